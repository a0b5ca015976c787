"""The adapter protocol between ringside's harness and a client's test service (docs/adapter-protocol.md).

* :mod:`adapter_protocol.names`: command, capability and callback names (``StrEnum``);
* :mod:`adapter_protocol.schemas`: the protocol's JSON Schemas and their validator;
* :mod:`adapter_protocol.client`: a typed client of a test service (``AdapterService``, ``ClientInstance``);
* :mod:`adapter_protocol.sink`: the callback sink's bookkeeping (the mock server serves its route);
* :mod:`adapter_protocol.errors`: the errors the client raises, each with its verdict side.

This module imports nothing, so the server can use the sink without loading the client.
"""
