"""WeChat JS-SDK share card for the parent site (off by default): a small signing view the
site's pages call only inside WeChat. See ``signing`` and README "WeChat"."""
