"""HTML error pages for browsers, `{"error": {"code", "message"}}` for the JSON API."""

from __future__ import annotations

from flask import Flask, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

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

    @app.errorhandler(Exception)
    def _crash(exc: Exception):
        app.logger.exception("unhandled error")
        return error_response(500, "SERVER_ERROR", _(CHINESE_MESSAGES[500]))
