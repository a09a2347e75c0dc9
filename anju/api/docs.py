"""Swagger UI served from django-ninja's own bundled files.

Ninja renders its CDN template unless "ninja" is in INSTALLED_APPS; Anju's machines have no CDN,
so the page and its four assets are served from the API itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import ninja
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.html import escape
from ninja.openapi.docs import DocsBase

ASSETS_DIR = Path(ninja.__file__).parent / "static" / "ninja"
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
    "favicon.png": "image/png",
}

_PAGE = """<!DOCTYPE html>
<html lang="zh-hans">
<head>
  <meta charset="utf-8">
  <link rel="stylesheet" href="{base}swagger-ui.css">
  <link rel="shortcut icon" href="{base}favicon.png">
  <title>{title}</title>
</head>
<body data-csrf-token="" data-api-csrf="">
  <script type="application/json" id="swagger-settings">{settings}</script>
  <div id="swagger-ui"></div>
  <script src="{base}swagger-ui-bundle.js"></script>
  <script src="{base}swagger-ui-init.js"></script>
</body>
</html>
"""


class LocalSwagger(DocsBase):
    def render_page(self, request: HttpRequest, api, **kwargs) -> HttpResponse:
        settings = {"layout": "BaseLayout", "deepLinking": True, "persistAuthorization": True,
                    "url": self.get_openapi_url(api, kwargs)}
        base = request.path.rstrip("/") + "/assets/"
        return HttpResponse(_PAGE.format(
            base=escape(base), title=escape(api.title),
            settings=json.dumps(settings).replace("<", "\\u003c"),
        ))


def asset_response(name: str) -> FileResponse:
    if name not in ASSETS:
        raise Http404
    return FileResponse((ASSETS_DIR / name).open("rb"), content_type=ASSETS[name])
