"""The API routers, one module per resource; :mod:`bandwise.web.app` lists them."""
