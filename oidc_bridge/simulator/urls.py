app_name = "fc_simulator"

urlpatterns: list = []
