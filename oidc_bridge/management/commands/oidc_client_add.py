"""`manage.py oidc_client_add`: register (or update) a relying party; print its secret once."""

from django.core.management.base import BaseCommand, CommandError

from audit.actor import Actor
from oidc_bridge.services import ClientRegistrationError, oidc_client_register


class Command(BaseCommand):
    help = "Enregistre un client OIDC (site ou hub FranceConnect) et affiche son secret une fois."

    def add_arguments(self, parser):
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--redirect-uri", action="append", required=True, dest="redirect_uris")
        parser.add_argument("--post-logout-redirect-uri", action="append", default=[],
                            dest="post_logout_redirect_uris")
        parser.add_argument("--alg", choices=["ES256", "RS256"], default="ES256")
        parser.add_argument("--userinfo", choices=["json", "jwt"], default="json")
        parser.add_argument("--actor-claim", action="store_true")
        parser.add_argument("--name", default="")

    def handle(self, *args, **options):
        try:
            client, secret = oidc_client_register(
                client_id=options["client_id"], redirect_uris=options["redirect_uris"],
                post_logout_redirect_uris=options["post_logout_redirect_uris"],
                alg=options["alg"], userinfo_format=options["userinfo"],
                actor_claim=options["actor_claim"], name=options["name"],
                actor=Actor.system("manage.py oidc_client_add"))
        except ClientRegistrationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"client_id={client.client_id}")
        self.stdout.write(f"client_secret={secret}")
        self.stderr.write("Notez ce secret maintenant : il ne sera plus jamais affiché.")
