"""Clients of the approved platforms' standard APIs (AFNOR XP Z12-013: Flow and Directory services)."""

from .directory import DirectoryClient
from .flow import FlowClient, MalformedFlow, check_flow
from .http import ApiClient, BearerToken, ClientCredentials, ProtocolError
from .webhook import signature, verify

__all__ = [
    "ApiClient",
    "BearerToken",
    "ClientCredentials",
    "DirectoryClient",
    "FlowClient",
    "MalformedFlow",
    "ProtocolError",
    "check_flow",
    "signature",
    "verify",
]
