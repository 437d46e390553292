"""YAML in and out, the same way every time.

Dates stay text (``2025-03-01`` is read as a string), multi-line text is written as ``|``
blocks, keys keep the order they were given, so an export is byte-for-byte repeatable.
"""

import re

import yaml


class _Loader(yaml.SafeLoader):
    pass


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        # Indent list items under their key, as people write YAML by hand.
        return super().increase_indent(flow, False)


def _without_timestamps(cls):
    cls.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in cls.yaml_implicit_resolvers.copy().items()
    }


_without_timestamps(_Loader)
_without_timestamps(_Dumper)


# Characters YAML reads as line breaks (NEL, LS, PS, CR): such text is written double-quoted, with
# escapes, or a block scalar would fold them into plain newlines.
_YAML_BREAKS = re.compile("[\x85\u2028\u2029\r]")


def _str_representer(dumper, value):
    if _YAML_BREAKS.search(value):
        style = '"'
    else:
        style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_representer)

_CODE = re.compile(r"^[A-Za-z0-9_-]+$")


def _list_representer(dumper, value):
    # Lists of codes and slugs on one line ([junior, senior]); everything else as blocks.
    flow = bool(value) and all(isinstance(v, str) and _CODE.match(v) for v in value)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)


_Dumper.add_representer(list, _list_representer)


def loads(text):
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def dumps(data):
    return yaml.dump(
        data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000, indent=2,
    )
