"""/institution/products/ (DESIGN §9): the catalogue of the institution the signed-in user manages, a
product's form, and the catalogue as a file (XLSX or CSV) out and in.

Only the institution's managers reach these pages; anyone else, its other members included, gets a 404, and
so does another institution's product. An import is two steps: the upload shows what each row would do (new,
changed, unchanged, or refused with its row number and reason) and saves nothing; the confirmation imports the
same file, all or nothing. Between the two the file waits in the session, bound to a token the confirmation
must carry. The rules and the writes are the services'.
"""

from __future__ import annotations

import base64
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lenders.catalogue.files import CONTENT_TYPES, FORMATS, export_catalogue
from lenders.catalogue.report import ImportReport, RowStatus
from lenders.models import Institution, Product
from lenders.services.catalogue import ImportRefused

from .. import selectors
from ..errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from ..forms.catalogue import FORM_FIELD, CatalogueUploadForm, ProductForm
from ..services import institutions as services
from ..workflow.business_days import SHANGHAI

PENDING_IMPORT = "institution_catalogue_import"


def _managed(request: HttpRequest) -> Institution:
    institution = selectors.managed_institution(request.user)
    if institution is None:
        raise Http404
    return institution


def _put_errors(form: ProductForm, error: DomainError) -> None:
    if not error.fields:
        form.add_error(None, str(error.message))
        return
    for name, reasons in error.fields.items():
        target = FORM_FIELD.get(name, name)
        for reason in reasons:
            form.add_error(target if target in form.fields else None, str(reason))


def _catalogue_page(
    request: HttpRequest, institution: Institution, upload: CatalogueUploadForm | None = None, status=200
) -> HttpResponse:
    products = list(selectors.catalogue_products(institution))
    today = timezone.localtime(timezone.now(), SHANGHAI).date()
    for product in products:
        product.in_window = product.active_from <= today and (
            product.active_until is None or today <= product.active_until
        )
    return render(
        request,
        "institution/products.html",
        {
            "institution": institution,
            "products": products,
            "upload_form": upload or CatalogueUploadForm(),
            "formats": FORMATS,
        },
        status=status,
    )


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    return _catalogue_page(request, _managed(request))


# --- one product ------------------------------------------------------------------------------------


def _product_form(request: HttpRequest, institution: Institution, product: Product | None) -> HttpResponse:
    initial = (
        ProductForm.initial_for(product)
        if product is not None
        else {
            "for_startup": True,
            "for_growth": True,
            "for_stable": True,
            "active_from": timezone.localtime(timezone.now(), SHANGHAI).date(),
        }
    )
    form = ProductForm(request.POST or None, institution=institution, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                saved = services.save_product(
                    user=request.user,
                    institution_id=institution.pk,
                    values=form.values(),
                    product_id=product.pk if product is not None else None,
                )
            except (NotFound, PermissionDenied):
                raise Http404 from None
            except ValidationFailed as error:
                _put_errors(form, error)
            else:
                messages.success(request, _("%(name)s is saved.") % {"name": saved.name})
                return redirect("institution:products")
        status = 400
    return render(
        request,
        "institution/product_form.html",
        {"institution": institution, "product": product, "form": form},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def product_new(request: HttpRequest) -> HttpResponse:
    return _product_form(request, _managed(request), None)


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    institution = _managed(request)
    return _product_form(
        request, institution, get_object_or_404(selectors.catalogue_products(institution), pk=pk)
    )


# --- the file ---------------------------------------------------------------------------------------


@login_required
def export(request: HttpRequest, kind: str) -> HttpResponse:
    institution = _managed(request)
    if kind not in FORMATS:
        raise Http404
    stamp = timezone.localtime(timezone.now(), SHANGHAI).strftime("%Y%m%d")
    response = HttpResponse(export_catalogue(institution, kind), content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="catalogue-{institution.pk}-{stamp}.{kind}"'
    return response


def _preview(
    request: HttpRequest,
    institution: Institution,
    report: ImportReport,
    file_name: str,
    token: str,
    status=200,
) -> HttpResponse:
    return render(
        request,
        "institution/import_preview.html",
        {
            "institution": institution,
            "report": report,
            "file_name": file_name,
            "token": token,
            "statuses": RowStatus,
        },
        status=status,
    )


@login_required
@require_POST
def import_upload(request: HttpRequest) -> HttpResponse:
    """The file's rows as the import would take them; nothing saved. Without a bad row it can be confirmed."""
    institution = _managed(request)
    form = CatalogueUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _catalogue_page(request, institution, form, status=400)
    upload = form.cleaned_data["file"]
    content = upload.read()
    try:
        report = services.preview_catalogue_import(
            user=request.user, institution_id=institution.pk, content=content, file_name=upload.name
        )
    except (NotFound, PermissionDenied):
        raise Http404 from None
    except ValidationFailed as error:
        for reason in error.fields.get("file", [str(error.message)]):
            form.add_error("file", str(reason))
        return _catalogue_page(request, institution, form, status=400)
    token = ""
    if not report.bad_rows:
        token = secrets.token_urlsafe(16)
        request.session[PENDING_IMPORT] = {
            "institution": institution.pk,
            "token": token,
            "name": upload.name,
            "content": base64.b64encode(content).decode("ascii"),
        }
    else:
        request.session.pop(PENDING_IMPORT, None)
    return _preview(request, institution, report, upload.name, token, status=200 if token else 400)


@login_required
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    institution = _managed(request)
    pending = request.session.get(PENDING_IMPORT) or {}
    token = request.POST.get("token", "")
    if (
        not token
        or pending.get("institution") != institution.pk
        or not secrets.compare_digest(str(pending.get("token", "")), token)
    ):
        messages.error(request, _("That import is no longer waiting: upload the file again."))
        return redirect("institution:products")
    content, file_name = base64.b64decode(pending["content"]), pending["name"]
    try:
        report = services.import_catalogue(
            user=request.user, institution_id=institution.pk, content=content, file_name=file_name
        )
    except (NotFound, PermissionDenied):
        raise Http404 from None
    except ImportRefused as refused:
        # The catalogue changed since the preview so that a row no longer fits: nothing was saved.
        request.session.pop(PENDING_IMPORT, None)
        return _preview(request, institution, refused.report, file_name, "", status=400)
    except ValidationFailed as error:
        request.session.pop(PENDING_IMPORT, None)
        messages.error(request, str(error.message))
        return redirect("institution:products")
    request.session.pop(PENDING_IMPORT, None)
    messages.success(
        request,
        _("Imported %(file)s: %(new)s new, %(changed)s changed, %(unchanged)s unchanged.")
        % {
            "file": file_name,
            "new": report.count(RowStatus.NEW),
            "changed": report.count(RowStatus.CHANGED),
            "unchanged": report.count(RowStatus.UNCHANGED),
        },
    )
    return redirect("institution:products")
