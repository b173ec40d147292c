"""Terraform's plugin protocol 6 as Python messages, and the go-plugin server around them.

The message classes come from the descriptor that PyPI's ``tf`` package ships, built into a pool
of our own with the one field that package predates: ``Schema.Attribute.write_only`` (field 11,
protocol 6.8, Terraform 1.11), without which Terraform refuses ``value_wo``.
"""

from __future__ import annotations

import base64
import os
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from tf.gen import tfplugin_pb2

PACKAGE = "tfplugin6"
SERVICE = f"{PACKAGE}.Provider"


def _build_messages() -> Callable[[str], Any]:
    source = descriptor_pb2.FileDescriptorProto.FromString(tfplugin_pb2.DESCRIPTOR.serialized_pb)
    schema = next(m for m in source.message_type if m.name == "Schema")
    attribute = next(m for m in schema.nested_type if m.name == "Attribute")
    attribute.field.add(
        name="write_only",
        number=11,
        type=descriptor_pb2.FieldDescriptorProto.TYPE_BOOL,
        label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL,
        json_name="writeOnly",
    )
    pool = descriptor_pool.DescriptorPool()
    for dependency in tfplugin_pb2.DESCRIPTOR.dependencies:
        pool.AddSerializedFile(dependency.serialized_pb)
    pool.Add(source)

    def message(name: str) -> Any:
        return message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{PACKAGE}.{name}"))

    return message


message = _build_messages()
DynamicValue = message("DynamicValue")
Diagnostic = message("Diagnostic")
AttributePath = message("AttributePath")
Schema = message("Schema")
RPC_MESSAGES = (
    "GetMetadata",
    "GetProviderSchema",
    "ValidateProviderConfig",
    "ValidateResourceConfig",
    "ValidateDataResourceConfig",
    "UpgradeResourceState",
    "ConfigureProvider",
    "ReadResource",
    "PlanResourceChange",
    "ApplyResourceChange",
    "ImportResourceState",
    "ReadDataSource",
    "StopProvider",
)


def error(summary: str, detail: str = "", path: tuple[str, ...] = ()) -> Any:
    diagnostic = Diagnostic(severity=Diagnostic.ERROR, summary=summary, detail=detail)
    for step in path:
        diagnostic.attribute.steps.add(attribute_name=step)
    return diagnostic


def serve(
    servicer: object, certificate_dir: Path, stop_when: Callable[[], bool] = lambda: False
) -> None:
    """Serve ``servicer`` (a method per RPC, taking and returning messages) the go-plugin way:
    print the handshake line on stdout, then answer on a Unix socket until Terraform is done."""
    stopped = futures.Future()
    handlers: dict[str, grpc.RpcMethodHandler] = {}
    for name in RPC_MESSAGES:
        request = message(f"{name}.Request")
        response = message(f"{name}.Response")
        method = getattr(servicer, name)

        def handle(req: Any, _context: Any, method=method, name=name, response=response) -> Any:
            try:
                reply = method(req)
            except Exception as exc:  # a stand-in bug must reach the user as a diagnostic
                import traceback

                traceback.print_exc(file=sys.stderr)
                reply = response()
                if name != "StopProvider":
                    reply.diagnostics.append(error(f"stand-in {name} failed: {exc!r}"))
            if name == "StopProvider":
                stopped.set_result(True)
            return reply

        handlers[name] = grpc.unary_unary_rpc_method_handler(
            handle,
            request_deserializer=request.FromString,
            response_serializer=response.SerializeToString,
        )
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler(SERVICE, handlers)])
    server.add_generic_rpc_handlers([_go_plugin_services(stopped)])
    key = (certificate_dir / "standin.key").read_bytes()
    certificate = (certificate_dir / "standin.crt").read_bytes()
    with tempfile.TemporaryDirectory(prefix="standin-") as tmp:
        socket = f"{tmp}/plugin.sock"
        server.add_secure_port(
            f"unix://{socket}", grpc.ssl_server_credentials([(key, certificate)])
        )
        server.start()
        der = (certificate_dir / "standin.der").read_bytes()
        # go-plugin core version | app protocol | network | address | protocol | server cert
        handshake = f"1|6|unix|{socket}|grpc|{base64.b64encode(der).decode().rstrip('=')}"
        sys.stdout.write(handshake + "\n")
        sys.stdout.flush()
        while not stopped.done():
            time.sleep(0.02)
            if os.getppid() == 1 or stop_when():  # Terraform went away without saying so
                break
        server.stop(grace=0.2)


def _go_plugin_services(stopped: futures.Future) -> grpc.GenericRpcHandler:
    """go-plugin's controller (Shutdown) and stdio stream, which Terraform calls on every plugin."""

    def shutdown(_request: bytes, _context: Any) -> bytes:
        if not stopped.done():
            stopped.set_result(True)
        return b""

    def stdio(_request: bytes, _context: Any):
        return iter(())

    identity = {"request_deserializer": bytes, "response_serializer": bytes}
    return _MultiServiceHandler(
        {
            "/plugin.GRPCController/Shutdown": grpc.unary_unary_rpc_method_handler(
                shutdown, **identity
            ),
            "/plugin.GRPCStdio/StreamStdio": grpc.unary_stream_rpc_method_handler(
                stdio, **identity
            ),
        }
    )


class _MultiServiceHandler(grpc.GenericRpcHandler):
    def __init__(self, handlers: dict[str, grpc.RpcMethodHandler]) -> None:
        self._handlers = handlers

    def service(self, handler_call_details: Any) -> grpc.RpcMethodHandler | None:
        return self._handlers.get(handler_call_details.method)
