"""HTML error pages for browsers, `{"error": {"code", "message"}}` for the JSON API."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from pkarena.authz import AccessDenied

HTTP_CODES = {
    400: "BAD_REQUEST", 401: "AUTH_REQUIRED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT", 413: "TOO_LARGE", 422: "INVALID", 429: "RATE_LIMITED", 500: "SERVER_ERROR",
}
CHINESE_MESSAGES = {
    400: "请求格式不正确", 401: "请先登录", 403: "没有权限执行此操作", 404: "页面或资源不存在",
    405: "不支持该请求方法", 409: "数据冲突，请刷新后重试", 413: "上传的文件太大", 422: "提交的数据有误",
    429: "操作过于频繁，请稍后再试", 500: "服务器内部错误，请稍后再试",
}


# The id columns are PostgreSQL `integer`: a bigger number names nothing, and the databases refuse to compare it
# (SQLite overflows, PostgreSQL says "out of range"), which used to surface as a 500.
DB_INT_MAX = 2**31 - 1
NUMERIC_OUT_OF_RANGE = "22003"  # PostgreSQL's SQLSTATE


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` that matches only ids an Integer column can hold: a 22-digit id is a 404, never a 500."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None, max: int | None = DB_INT_MAX,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class BoundedArgs(ImmutableMultiDict):
    """Query and form values: `get(…, type=int)` treats a number beyond the integer columns' range as absent."""

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # noqa: A002 (werkzeug's signature)
        """The value as MultiDict.get gives it, except an out-of-range int gives `default` (so ?page=10**20 is 1)."""
        value = super().get(key, default, type)
        if type is int and isinstance(value, int) and value is not default and abs(value) > DB_INT_MAX:
            return default
        return value


class BoundedRequest(Request):
    """The app's request: its args and form are BoundedArgs."""

    parameter_storage_class = BoundedArgs


def register_input_bounds(app: Flask) -> None:
    """Bound ids in URLs and `type=int` query/form values; call before any blueprint adds its rules."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.request_class = BoundedRequest


def wants_json() -> bool:
    """API paths and clients that prefer JSON get JSON errors."""
    if request.path.startswith("/api/") or request.path == "/healthz":
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, code: str, message: str):
    """Render one error as JSON or as the HTML error page."""
    if wants_json():
        return jsonify(error={"code": code, "message": message}), status
    return render_template("errors/error.html", status=status, code=code, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Install the handlers for HTTP errors, access denials, CSRF failures and crashes."""

    @app.errorhandler(AccessDenied)
    def _denied(exc: AccessDenied):
        if exc.status == 401 and not wants_json():
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return error_response(exc.status, exc.code, exc.message)

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return error_response(400, "CSRF_FAILED", _("表单已过期，请刷新页面后重试"))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        status = exc.code or 500
        if status == 429:
            return error_response(429, "RATE_LIMITED", _("尝试次数过多，请稍后再试"))
        return error_response(status, HTTP_CODES.get(status, "HTTP_ERROR"), _(CHINESE_MESSAGES.get(status, exc.name)))

    @app.errorhandler(OverflowError)
    def _overflow(exc: OverflowError):
        # An id past the columns' range that slipped past the converters (e.g. `org/<id>` in a path): it names nothing.
        return error_response(404, "NOT_FOUND", _(CHINESE_MESSAGES[404]))

    @app.errorhandler(DataError)
    def _data(exc: DataError):
        if getattr(exc.orig, "sqlstate", None) == NUMERIC_OUT_OF_RANGE:
            return error_response(404, "NOT_FOUND", _(CHINESE_MESSAGES[404]))
        return _crash(exc)

    @app.errorhandler(Exception)
    def _crash(exc: Exception):
        app.logger.exception("unhandled error")
        return error_response(500, "SERVER_ERROR", _(CHINESE_MESSAGES[500]))
