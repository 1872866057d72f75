"""The core kit: one way each for refusals, pages of a list, service errors on
forms, downloads and exports."""

import io
import json
from datetime import UTC, datetime

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import RequestFactory, override_settings
from ninja import NinjaAPI
from openpyxl import load_workbook

from tillid.core.api import install_error_handlers
from tillid.core.errors import AppError, AppErrorMiddleware, Forbidden, NotFound
from tillid.core.exports import Sheet, csv_bytes, xlsx_bytes
from tillid.core.viewkit import (
    add_errors,
    content_disposition,
    file_response,
    message_errors,
    paginate,
    require,
)


class _Form(forms.Form):
    title = forms.CharField(required=False)


def test_require_refuses_with_the_apps_403():
    require(True)
    with pytest.raises(Forbidden) as refused:
        require(False)
    # Django's own handlers and any `except PermissionDenied` still know it.
    assert isinstance(refused.value, PermissionDenied)
    assert refused.value.status_code == 403
    assert isinstance(NotFound(), Http404)


@override_settings(TILLID_PAGE_SIZE=3)
def test_paginate_uses_the_page_size_and_survives_a_bad_page_number():
    request = RequestFactory().get("/", {"page": "2"})
    assert list(paginate(request, list(range(10))).object_list) == [3, 4, 5]
    assert list(paginate(request, list(range(10)), per_page=4).object_list) == [4, 5, 6, 7]
    bad = RequestFactory().get("/", {"page": "x"})
    assert paginate(bad, list(range(10))).number == 1


def test_service_errors_land_on_the_field_or_above_the_form():
    form = _Form(data={})
    assert form.is_valid()
    add_errors(form, ValidationError({"title": "Skriv en titel.", "units": "Vælg en enhed."}))
    add_errors(form, ValidationError("Noget andet er galt."))
    add_errors(form, AppError("Runden er lukket."))
    add_errors(form, ValueError("En apps egen fejltekst."))
    assert form.errors["title"] == ["Skriv en titel."]
    assert form.non_field_errors() == [
        "Vælg en enhed.",
        "Noget andet er galt.",
        "Runden er lukket.",
        "En apps egen fejltekst.",
    ]


def test_service_errors_of_an_action_become_messages(rf):
    request = rf.post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    message_errors(request, ValidationError({"title": "Skriv en titel."}))
    message_errors(request, AppError("Runden er lukket."))
    assert [str(m) for m in get_messages(request)] == ["Skriv en titel.", "Runden er lukket."]


def test_downloads_keep_danish_letters_and_name_an_ascii_fallback():
    assert content_disposition("styringsregister-2026-01-02.csv") == (
        'attachment; filename="styringsregister-2026-01-02.csv"'
    )
    header = content_disposition('tillidsdosering-Søren Ærø "x".xlsx')
    assert header == (
        'attachment; filename="tillidsdosering-Soeren Aeroe _x_.xlsx"; '
        "filename*=utf-8''tillidsdosering-S%C3%B8ren%20%C3%86r%C3%B8%20%22x%22.xlsx"
    )
    response = file_response(b"a;b\n", "rapport-år.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "filename*=utf-8''rapport-%C3%A5r.csv" in response["Content-Disposition"]
    assert response.content == b"a;b\n"
    assert file_response(b"{}", "x.json")["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_an_app_error_on_a_page_is_the_danish_error_page_with_its_message(rf):
    request = rf.get("/")
    request.user = AnonymousUser()
    middleware = AppErrorMiddleware(lambda r: None)
    response = middleware.process_exception(request, Forbidden("Kun for ledere af enheden."))
    assert response.status_code == 403
    assert "Kun for ledere af enheden." in response.content.decode()
    response = middleware.process_exception(request, AppError())
    assert response.status_code == 400
    assert middleware.process_exception(request, ValueError("x")) is None


def test_an_app_error_in_the_api_is_json_with_its_status_and_message(rf):
    api = NinjaAPI(urls_namespace="kit-test")
    install_error_handlers(api)

    request = rf.get("/")
    response = api.on_exception(request, Forbidden("Kun for HR."))
    assert response.status_code == 403
    assert json.loads(response.content) == {"detail": "Kun for HR."}
    response = api.on_exception(request, NotFound())
    assert response.status_code == 404
    assert json.loads(response.content)["detail"]


def test_exports_write_local_times_titles_and_a_bom_for_danish_excel():
    when = datetime(2026, 6, 1, 10, 30, tzinfo=UTC)
    content = xlsx_bytes(
        [Sheet("Et meget langt arknavn der er over enogtredive tegn", [["Tid"], [when]])]
    )
    book = load_workbook(io.BytesIO(content))
    sheet = book.active
    assert sheet.title == "Et meget langt arknavn der er o"
    assert sheet["A2"].value == datetime(2026, 6, 1, 12, 30)  # Europe/Copenhagen, summer
    assert csv_bytes([["navn", "år"], ["Æble", 2]]) == "\ufeffnavn;år\r\nÆble;2\r\n".encode()


def test_fields_required_together_are_not_marked_optional():
    from django import forms
    from django.template.loader import render_to_string

    from tillid.core.forms import DKFDSFormMixin

    class Row(DKFDSFormMixin, forms.Form):
        required_together = ("title",)
        title = forms.CharField(label="Titel", required=False)
        note = forms.CharField(label="Note", required=False)

    html = render_to_string("core/form_fields.html", {"form": Row()})
    assert html.count("(valgfri)") == 1
    assert "Note <span" in html
