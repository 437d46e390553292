"""Cold Pagefind shards are indexed several at a time (``searchindex.index_processes``): every
shard given gets its own complete index, with the real Pagefind binary."""

from cms.publishing import searchindex

PAGE = ('<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>{t}</title></head><body>'
        '<div data-pagefind-body><h1>{t}</h1><p>{t}的家庭教育方法。</p></div></body></html>')


def test_several_shards_are_indexed_at_once_each_complete(tmp_path, settings):
    settings.GONGYU_PUBLISH_WORKERS = 2
    titles = ["孩子沉迷手机", "青春期叛逆", "作业拖拉", "睡前故事"]
    shards = {}
    for n, title in enumerate(titles):
        rel = f"p{n}/index.html"
        (tmp_path / rel).parent.mkdir(parents=True)
        (tmp_path / rel).write_text(PAGE.format(t=title), encoding="utf-8")
        shards.setdefault(n % 3, []).append(rel)
    assert searchindex.index_processes() == 2
    searchindex.index_shards(tmp_path, shards)
    for shard in shards:
        folder = searchindex.shard_dir(tmp_path, shard)
        assert (folder / "pagefind-entry.json").is_file()
        assert list(folder.glob("fragment/*.pf_fragment")), f"shard {shard} has no page"
    assert not list(tmp_path.glob(".*pagefind-*")), "a work folder was left behind"
