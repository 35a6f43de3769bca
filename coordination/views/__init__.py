"""The server-rendered pages (DESIGN §9), one module per area.

Views stay thin: selectors read, services write."""
