"""``check --deploy`` refuses a secret key that is the README's example or too short."""

from django.conf import settings
from django.core import checks

README_EXAMPLE_KEY = "replace-with-50-or-more-random-characters-eg-from-python-secrets-token-urlsafe"
MIN_LENGTH, MIN_UNIQUE = 50, 5  # Django's own recommendation (security.W009)
HOW = "请生成一个随机密钥:python3 -c 'import secrets; print(secrets.token_urlsafe(50))',写进 GONGYU_SECRET_KEY。"


@checks.register(checks.Tags.security, deploy=True)
def secret_key_check(app_configs=None, **kwargs):
    key = str(settings.SECRET_KEY or "")
    if key == README_EXAMPLE_KEY or key.startswith("replace-with"):
        return [checks.Error("GONGYU_SECRET_KEY 还是 README 里的示例值,谁都能伪造登录。", hint=HOW, id="gongyu.E001")]
    if len(key) < MIN_LENGTH or len(set(key)) < MIN_UNIQUE:
        return [checks.Error(f"GONGYU_SECRET_KEY 太短或太单调(至少 {MIN_LENGTH} 个字符、{MIN_UNIQUE} 种不同字符)。",
                             hint=HOW, id="gongyu.E002")]
    return []
