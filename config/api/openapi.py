"""The schema's operation ids read as verbs on resources (`submitFinancingRequest`, `listOffers`), so that
generated clients get methods a developer would have named: drf-spectacular's default joins the path's
tokens (`financing_requests_submit_create`). Names are built from the router's basename and the viewset's
action; a view without a viewset (or an action whose verb is not its name) gives its own `operation_id`."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

STANDARD_VERBS = {
    "retrieve": "get",
    "create": "create",
    "update": "update",
    "partial_update": "patch",
    "destroy": "delete",
}


def pascal(name: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in name.replace("-", "_").split("_") if word)


def camel(name: str) -> str:
    joined = pascal(name)
    return joined[:1].lower() + joined[1:]


class AutoSchema(SpectacularAutoSchema):
    def get_operation_id(self) -> str:
        basename = getattr(self.view, "basename", None)
        action = getattr(self.view, "action", None)
        if not basename or not action:
            return super().get_operation_id()
        singular = pascal(basename)
        if action == "list":
            return f"list{singular}s"
        if action in STANDARD_VERBS:
            return STANDARD_VERBS[action] + singular
        if self.method == "GET":
            prefix = "list" if self._is_list_view() else "get"
            return f"{prefix}{singular}{pascal(action)}"
        # The action's first word is its verb and the rest names what of the resource it acts on:
        # submit → submitFinancingRequest, record_funding → recordFinancingRequestFunding.
        verb, _, rest = action.partition("_")
        return f"{verb}{singular}{pascal(rest)}"
