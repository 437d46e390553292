"""After an approval in a workflow (Wagtail's 批准并发布 from the review list, the page header or
the moderation modal), the admin says the parent site is behind exactly as after a direct
publish. Wagtail's workflow action view runs no page hook, so this looks at the response to
that one URL; direct publishes get the same warning from ``cms.publishing.wagtail_hooks``."""


class WorkflowApprovalWarning:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if (request.method == "POST" and match is not None and match.url_name == "workflow_action"
                and match.kwargs.get("action_name") == "approve" and response.status_code in (200, 302)):
            from cms.publishing.wagtail_hooks import warn_if_behind

            warn_if_behind(request)
        return response
