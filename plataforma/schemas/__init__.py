"""marshmallow schemas shared by REST, Socket.IO handlers and dashboard forms."""
