"""`python manage.py demo_code EMAIL`: the current TOTP code of a demo account.

Development only: refused when `settings.PRODUCTION`, and only for the demo accounts created by
`seed_demo` (their keys are fixed and public), never for a real account.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP

from aidants.demo import DEMO_ACCOUNTS
from aidants.models import TOTPDevice


class Command(BaseCommand):
    help = "Affiche le code à usage unique actuel d'un compte de démonstration."

    def add_arguments(self, parser):
        parser.add_argument("email", help="adresse e-mail d'un compte de démonstration")

    def handle(self, *args, email: str, **options):
        if settings.PRODUCTION:
            raise CommandError("demo_code est interdit en production.")
        email = email.strip().lower()
        if email not in DEMO_ACCOUNTS:
            raise CommandError(f"{email} n'est pas un compte de démonstration "
                               f"({', '.join(DEMO_ACCOUNTS)}).")
        device = TOTPDevice.objects.filter(user__email__iexact=email, confirmed=True,
                                           kind=TOTPDevice.Kind.APP).order_by("pk").first()
        if device is None:
            raise CommandError("Compte absent : lancez d'abord « python manage.py seed_demo ».")
        totp = TOTP(device.bin_key, device.step, 0, device.digits, device.drift)
        totp.time = time.time()
        remaining = device.step - int(totp.time) % device.step
        self.stdout.write(f"{totp.token():0{device.digits}d}")
        self.stderr.write(f"Valable encore {remaining} s. Un code déjà utilisé est refusé : "
                          "attendez alors le suivant.")
