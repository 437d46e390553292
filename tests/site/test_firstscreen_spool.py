"""A full build's first-screen index in bounded memory (issue 17, cms/publishing/firstscreen.py
``FullWriter``): made-up pages (as ``bench/search_bytes.py --replicate`` makes them up) fed in two
orders, with two posting buffer bounds, write the same files (and cache the same postings); the number of
term files is a multiple of the spool's buckets (below it, the count the index's size asks for); the writer holds at
most its bound of postings in memory whatever the number of pages it was given."""

import hashlib
import json
import pickle
import random

from cms.publishing import firstscreen
from cms.publishing.firstscreen import FullWriter

HAN = [chr(c) for c in range(0x4E00, 0x4E00 + 400)]


def made_up_pages(n, seed=17):
    """``n`` pages: (id, (card, {term: score})), 40–160 terms each over a vocabulary of single
    characters, bigrams and a few common words, so many terms are in more than K pages."""
    rng = random.Random(seed)
    vocabulary = HAN + [a + b for a in HAN[:80] for b in HAN[:80]]
    common = HAN[:30]
    pages = []
    for i in range(n):
        pk = 3 + i * 2
        terms = {t: rng.choice((1, 2, 3, 5, 8, 13)) for t in rng.sample(vocabulary, rng.randint(40, 160))}
        terms.update({t: rng.randint(1, 20) for t in common if rng.random() < 0.5})
        card = {"u": f"/lesson/{pk}/", "t": "".join(rng.sample(HAN, 6)), "k": "lesson"}
        pages.append((pk, (card, terms)))
    return pages


def tree(folder):
    return {str(p.relative_to(folder)): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build(tmp_path, name, pages, bound=None, watch=False):
    root, cache_dir = tmp_path / name / "site", tmp_path / name / "cache"
    root.mkdir(parents=True)
    writer = FullWriter(root, firstscreen.Cache(cache_dir))
    if bound is not None:
        writer.BUFFER_POSTINGS = bound
    most = 0
    for pk, made in pages:
        writer.add(pk, made)
        if watch:
            held = sum(len(packed) for terms in writer.postings.values() for packed in terms.values())
            assert held == writer.held
            most = max(most, held)
    settings = writer.finish()
    meta = json.loads((cache_dir / "meta.json").read_text())
    files = tree(root / firstscreen.ROOT)
    # The term postings' pickles byte for byte; the cards' by content (a pickle's bytes depend on
    # which strings its pages shared in memory, that is on which spool chunk they came back in).
    cache = {k: v for k, v in tree(cache_dir).items() if k.startswith("t/")}
    cache.update({str(p.relative_to(cache_dir)): pickle.loads(p.read_bytes()) for p in sorted(cache_dir.glob("c/*"))})
    return settings, meta, files, cache, most


def test_full_writer_spools_its_postings_and_writes_the_same_files_in_any_order(tmp_path):
    pages = made_up_pages(3000)
    total = sum(len(terms) for _, (_, terms) in pages)
    a = build(tmp_path, "a", pages)
    shuffled = pages[:]
    random.Random(5).shuffle(shuffled)
    bound = 7000
    b = build(tmp_path, "b", shuffled, bound=bound, watch=True)
    # Postings in memory never exceeded the bound, though the pages held far more of them.
    assert total > 20 * bound
    assert 0 < b[4] < bound
    # Same files, same cache, whatever the order and the buffer.
    settings_a, meta_a, files_a, cache_a, _ = a
    settings_b, meta_b, files_b, cache_b, _ = b
    assert files_a == files_b and cache_a == cache_b
    assert {k: v for k, v in meta_a.items() if k != "token"} == {k: v for k, v in meta_b.items() if k != "token"}
    files = settings_a["files"]
    assert settings_a["pages"] == 3000 and files == meta_a["files"]
    # More term files than buckets: a multiple of them, so file n's terms all sit in bucket n % B.
    assert files > FullWriter.BUCKETS and files % FullWriter.BUCKETS == 0
    term_files = [k for k in files_a if k.startswith("t/")]
    assert len(term_files) > files // 2
    # Every term is in its fnv1a file with its df and its best K pages, best first.
    postings = {}
    for pk, (_, terms) in pages:
        for term, score in terms.items():
            postings.setdefault(term, {})[pk] = score
    root = tmp_path / "b" / "site" / firstscreen.ROOT
    for term in (HAN[0], HAN[200], HAN[3] + HAN[7]):
        row = json.loads((root / f"t/{firstscreen.fnv1a(term) % files}.json").read_text())[term]
        assert row == firstscreen._term_row(postings[term])
    assert len(json.loads((root / f"t/{firstscreen.fnv1a(HAN[0]) % files}.json").read_text())[HAN[0]]) \
        == 1 + 2 * firstscreen.K


def test_a_small_index_keeps_the_term_files_its_size_asks_for(tmp_path):
    """Below the buckets the count is not rounded up: a small site has few term files, so one
    edited page's terms touch few files and a deploy uploads little (tests/site/test_s3.py)."""
    pages = made_up_pages(40, seed=3)
    settings, _, files, _, _ = build(tmp_path, "small", pages, bound=500)
    df = {}
    for _, (_, terms) in pages:
        for term in terms:
            df[term] = df.get(term, 0) + 1
    wanted = firstscreen._term_files_for(sum(len(t.encode()) + 8 + 9 * min(n, firstscreen.K) for t, n in df.items()))
    assert 1 < wanted < FullWriter.BUCKETS and wanted & (wanted - 1) != 0   # not a power of two by chance
    assert settings["files"] == wanted
    assert len([k for k in files if k.startswith("t/")]) == wanted
    settings_again, _, files_again, _, _ = build(tmp_path, "again", pages[::-1])
    assert files == files_again and settings_again["files"] == wanted
