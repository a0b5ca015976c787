"""ringside's mock server: a wire-true CometChat ringing backend (REST + WebSocket) for tests and apps."""

__version__ = "0.1.0"
