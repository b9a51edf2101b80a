"""Where the engine is (``grpc://host:port[/instance]``) and how sx talks to it.

One :class:`RemoteUrl` parser; one :func:`open_channel`; :func:`method`
builds a typed caller for one RPC from the generated descriptors (the
method paths are the protocol's, read from the .proto files, never spelled
twice). :func:`failure` turns a gRPC error into sx's one-line errors: an
engine that cannot be reached is :class:`RemoteUnavailable`, anything else
it answers is :class:`RemoteError`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

import grpc
from google.protobuf.descriptor import FileDescriptor
from google.protobuf.message import Message
from sx.derivations.build.remote.errors import RemoteError, RemoteUnavailable
from sx.store.errors import InvalidInput

# Blobs travel in batches of a few MiB; a Tree or a batch answer may be bigger.
MAX_MESSAGE = 64 << 20
_UNREACHABLE = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED}

R = TypeVar("R", bound=Message)
R_co = TypeVar("R_co", bound=Message, covariant=True)


@dataclass(frozen=True)
class RemoteUrl:
    """An engine's address: ``grpc://`` (plain) or ``grpcs://`` (TLS), and an instance."""

    scheme: str
    host: str
    port: int
    instance: str

    @classmethod
    def parse(cls, text: str) -> RemoteUrl:
        """Parse ``grpc[s]://host:port[/instance]``; :class:`InvalidInput` naming the text."""
        try:
            u = urlsplit(text)
            port = u.port
        except ValueError as e:
            raise InvalidInput(f"parse remote {text!r}: {e}") from None
        if u.scheme not in ("grpc", "grpcs"):
            raise InvalidInput(f"parse remote {text!r}: scheme must be grpc:// or grpcs://")
        if not u.hostname or port is None:
            raise InvalidInput(f"parse remote {text!r}: expected grpc://HOST:PORT[/INSTANCE]")
        if u.query or u.fragment or u.username or u.password:
            raise InvalidInput(f"parse remote {text!r}: no user, query or fragment allowed")
        instance = u.path.strip("/")
        if any(part in ("", ".", "..", "blobs", "uploads") for part in instance.split("/")
               if instance):
            raise InvalidInput(f"parse remote {text!r}: invalid instance name {instance!r}")
        return cls(u.scheme, u.hostname, port, instance)

    @property
    def target(self) -> str:
        """``host:port`` for gRPC (IPv6 literals bracketed)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"

    def __str__(self) -> str:
        tail = f"/{self.instance}" if self.instance else ""
        return f"{self.scheme}://{self.target}{tail}"


def open_channel(url: RemoteUrl) -> grpc.Channel:
    """A channel to the engine (TLS with the system's roots for ``grpcs://``)."""
    options = [("grpc.max_receive_message_length", MAX_MESSAGE),
               ("grpc.max_send_message_length", MAX_MESSAGE),
               ("grpc.enable_http_proxy", 0)]
    if url.scheme == "grpcs":
        return grpc.secure_channel(url.target, grpc.ssl_channel_credentials(), options)
    return grpc.insecure_channel(url.target, options)


class Unary(Protocol[R_co]):
    """A unary RPC bound to a channel."""

    def __call__(self, request: Message, timeout: float | None = ...) -> R_co: ...

    def future(self, request: Message, timeout: float | None = ...) -> Any:
        """Start the call; a ``grpc.Future`` of its answer."""


def _path(file: FileDescriptor, service: str, name: str) -> str:
    full = file.services_by_name[service].methods_by_name[name].full_name
    svc, _, meth = full.rpartition(".")
    return f"/{svc}/{meth}"


def method(channel: grpc.Channel, file: FileDescriptor, service: str, name: str,
           response: type[R]) -> Unary[R]:
    """A caller of the unary RPC ``service.name`` declared in ``file``."""
    call: Unary[R] = channel.unary_unary(
        _path(file, service, name), request_serializer=_serialize,
        response_deserializer=response.FromString)
    return call


def stream_method(channel: grpc.Channel, file: FileDescriptor, service: str, name: str,
                  response: type[R]) -> Callable[..., Any]:
    """A caller of the server-streaming RPC ``service.name`` declared in ``file``."""
    return channel.unary_stream(_path(file, service, name), request_serializer=_serialize,
                                response_deserializer=response.FromString)


def client_stream_method(channel: grpc.Channel, file: FileDescriptor, service: str, name: str,
                         response: type[R]) -> Callable[..., R]:
    """A caller of the client-streaming RPC ``service.name`` declared in ``file``."""
    call: Callable[..., R] = channel.stream_unary(
        _path(file, service, name), request_serializer=_serialize,
        response_deserializer=response.FromString)
    return call


def _serialize(msg: Message) -> bytes:
    return msg.SerializeToString(deterministic=True)


def failure(url: RemoteUrl, verb: str, e: grpc.RpcError) -> RemoteError:
    """The sx error for a failed call ``verb`` to the engine at ``url``."""
    code = e.code() if isinstance(e, grpc.Call) else None
    details = (e.details() if isinstance(e, grpc.Call) else None) or str(e)
    details = details.splitlines()[0] if details else "no details"
    if code in _UNREACHABLE:
        return RemoteUnavailable(f"remote {url}: {verb}: engine unreachable ({details})")
    name = code.name if code is not None else "error"
    return RemoteError(f"remote {url}: {verb}: {name}: {details}")
