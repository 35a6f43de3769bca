from tests.support.urlconfs import without

urlpatterns = without("inbox/")
