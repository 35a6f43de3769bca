from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action

from ...errors import Conflict
from .. import docs
from ..idempotency import key_of as idempotency_key
from ..schema import WRITE_ERRORS


def validated(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def service_action(
    name,
    serializer_class,
    service,
    *,
    what,
    transitions,
    object_argument,
    fields=None,
    actions=None,
    result,
    status_code=200,
    examples=(),
    url_path=None,
    operation_id=None,
    scoped_by_service=False,
):
    """A POST sub-resource of an object that calls one service with the object's id (`object_argument`); the
    view set's `answer(changed, result)` says what it answers. The description comes from the transition
    table rows the endpoint may take (`actions`, by default the one named like the endpoint); a 409 names
    the action that would work instead (`docs.with_hint`).

    `scoped_by_service`: the service's first check is the engine's, which answers an object outside the
    caller's roles 404 as the view's scope check would (before it validates anything of its own), so the
    view does not look the object up first: one scoped read fewer per action."""

    def view(self, request, pk=None):
        data = validated(serializer_class, request) if serializer_class else {}
        kwargs = {name: data[source] for name, source in (fields or {}).items() if source in data}
        object_id = pk if scoped_by_service else self.get_object().pk
        try:
            changed = service(
                **{object_argument: object_id},
                user=request.user,
                idempotency_key=idempotency_key(request),
                **kwargs,
            )
        except Conflict as conflict:
            raise docs.with_hint(conflict, transitions, name, self.get_object().status) from conflict
        return self.answer(changed, result)

    view.__name__ = name
    # extend_schema after action(): action() replaces the function's kwargs, where the schema is kept.
    return extend_schema(
        operation_id=operation_id,
        request=serializer_class,
        responses={status_code: result, **WRITE_ERRORS},
        description=docs.describe_action(transitions, actions or [name], what),
        examples=list(examples),
    )(action(detail=True, methods=["post"], url_path=url_path)(view))
