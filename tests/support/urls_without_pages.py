from tests.support.urlconfs import without

urlpatterns = without("sme/", "institution/")
