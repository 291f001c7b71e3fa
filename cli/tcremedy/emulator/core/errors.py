"""API errors as the real API names them. One class per wire code where a code is reused.

Handlers and models raise ``ApiError``; the protocol layer serialises it into the API 3.0 error
envelope (HTTP 200, ``Response.Error.{Code,Message}``, ``RequestId``).
"""

from __future__ import annotations


class ApiError(Exception):
    code: str = "InternalError"
    message: str = "An internal error has occurred. Retry your request."

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        if code is not None:
            self.code = code
        if message is not None:
            self.message = message
        super().__init__(f"{self.code}: {self.message}")


class MissingParameter(ApiError):
    code = "MissingParameter"

    def __init__(self, name: str) -> None:
        super().__init__(f"The request is missing a required parameter `{name}`.")


class InvalidParameter(ApiError):
    code = "InvalidParameter"


class InvalidParameterValue(ApiError):
    code = "InvalidParameterValue"


class UnknownParameter(ApiError):
    code = "UnknownParameter"


class InvalidAction(ApiError):
    code = "InvalidAction"


class NoSuchVersion(ApiError):
    code = "NoSuchVersion"


class ResourceNotFound(ApiError):
    code = "ResourceNotFound"


class UnsupportedOperation(ApiError):
    code = "UnsupportedOperation"


class LimitExceeded(ApiError):
    code = "LimitExceeded"


class RequestLimitExceeded(ApiError):
    code = "RequestLimitExceeded"
    message = "Your current request times equals to `20` in a second, which exceeds the frequency limit."


class RequestSizeLimitExceeded(ApiError):
    code = "RequestSizeLimitExceeded"  # common error code (tencent-api.md, common error codes)


class InternalError(ApiError):
    code = "InternalError"


class ResourceUnavailable(ApiError):
    code = "ResourceUnavailable"


class FailedOperation(ApiError):
    code = "FailedOperation"


class AuthFailure(ApiError):
    code = "AuthFailure"


class InvalidAuthorization(AuthFailure):
    code = "AuthFailure.InvalidAuthorization"
    message = "The Authorization header is invalid. Please check that it follows the TC3-HMAC-SHA256 format."


class SecretIdNotFound(AuthFailure):
    code = "AuthFailure.SecretIdNotFound"
    message = "The SecretId is not found, please ensure that your SecretId is correct."


class TokenFailure(AuthFailure):
    """Temporary credentials (STS, CVM role) sign with their SecretId and send ``X-TC-Token``."""

    code = "AuthFailure.TokenFailure"
    message = "The token is missing or invalid for these temporary credentials."


class SignatureExpire(AuthFailure):
    code = "AuthFailure.SignatureExpire"
    message = "The request has expired: X-TC-Timestamp differs from the server time by more than 5 minutes."


class SignatureFailure(AuthFailure):
    code = "AuthFailure.SignatureFailure"
    message = "The provided credentials could not be validated. Please check your signature is correct."


class InvalidInstanceIdMalformed(ApiError):
    code = "InvalidInstanceId.Malformed"

    def __init__(self, instance_id: str) -> None:
        super().__init__(f"The specified InstanceId `{instance_id}` is malformed (expected ins-xxxxxxxx).")


class InvalidInstanceIdNotFound(ApiError):
    code = "InvalidInstanceId.NotFound"

    def __init__(self, instance_id: str) -> None:
        super().__init__(f"The specified InstanceId `{instance_id}` does not exist.")
