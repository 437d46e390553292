"""Content-Security-Policy for everything Django serves (the admin, the CMS's own pages, the API).

The admin's policy keeps ``'unsafe-inline'`` for scripts and styles: Wagtail's inline panels and
date widgets still render small inline scripts, and its components set style attributes. It
still refuses inline event-handler attributes (``onclick="…"``: ``script-src-attr 'none'`` —
no admin template uses them, and they are the usual shape of an injected script), scripts,
frames, fonts and connections from other origins, plugins (``object-src 'none'``), a foreign
``<base>``, forms posting elsewhere, and framing by other sites.
tests/security/test_admin_csp.py opens every page each role uses in chromium and fails on any
violation. The parent
site (static, served by nginx) has a strict policy without inline scripts: see
deploy/nginx.conf.template.
"""

from django.conf import settings

POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; script-src-attr 'none'; "
    "style-src 'self' 'unsafe-inline'; manifest-src 'self'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; font-src 'self' data:; connect-src 'self'; "
    "frame-src 'self'; worker-src 'self' blob:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'self'"
)


class ContentSecurityPolicy:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = getattr(settings, "GONGYU_CSP", POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        return response
