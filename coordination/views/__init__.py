"""The server-rendered pages (DESIGN §9), one module per area; views stay thin: selectors read, services write."""
