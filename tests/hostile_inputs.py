"""Hostile input shared by the tests: text that tries to script, template, format, traverse or
overflow. Each must either be refused with a clear Chinese message or be stored and shown as
plain text. Used by tests/security (importer, pages) and available to the search and site tests.
"""

# Text for titles, summaries, rich text, captions, prompts.
TEXT = [
    '<script>alert("gongyu")</script>',
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
    '<a href="javascript:alert(1)">点我</a>',
    "javascript:alert(1)",
    "</title><script>alert(1)</script>",
    "<!-- 注释 --><iframe src=//evil.example>",
    "<style>body{display:none}</style>",
    "{{ 7*7 }}",
    "{% debug %}",
    "{{ request.META }}",
    "${7*7} #{7*7}",
    "[点我](javascript:alert(1))",
    "![图](http://evil.example/x.png)",
    "# 标题\n\n---\n\n- 列表",
    "| 表 | 格 |\n|---|---|",
    "--- \nfront: matter\n---",
    "```\n代码块\n```",
    "&lt;script&gt; &amp; &#x3C;",
    "'; DROP TABLE wagtailcore_page; --",
    '=HYPERLINK("http://evil.example","点我")',
    "../../../../etc/passwd",
    "C:\\Windows\\System32",
    "\u202egnp.exe",  # right-to-left override
    "零宽\u200b字符\u200d连接",
    "😀👨‍👩‍👧 表情",
    "\ufeff带 BOM 的标题",
    "行一\r\n行二\t制表",
    "长" * 2000,
    "A" * 5000,
]

# Slugs (page addresses) and file names in a package.
SLUGS = ["../escape", "/absolute", "a/b", "x\x00y", "Upper-Case", "空格 地址", "-leading", "a" * 300, ""]
FILENAMES = [
    "../../etc/passwd",
    "/etc/passwd",
    "media/videos/../../../outside.mp4",
    "media/videos/a\x00.mp4",
    "media/videos/<script>.mp4",
    "media/videos/" + "x" * 300 + ".mp4",
]

# Bytes that are not UTF-8, for files that must be.
MALFORMED_UTF8 = [b"\xff\xfe\xfd", b"title: \xc3\x28\n", b"name: \xed\xa0\x80\n"]

COUNT = len(TEXT) + len(SLUGS) + len(FILENAMES) + len(MALFORMED_UTF8)
