"""Tests of the MovieLens loader on tiny home-made archives (no real data, no
network)."""

import gzip
import io
import os
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from sklearn_recae.datasets import (
    DatasetNotFoundError,
    fetch_movielens,
    get_data_home,
    load_movielens,
)

pytest.importorskip("pandas")

# (user, item, rating, timestamp): 3 users, 4 items, unsorted ids on purpose.
TRIPLES = [
    (5, 300, 4.0, 881250949),
    (1, 20, 3.5, 891717742),
    (5, 20, 1.0, 878887116),
    (12, 7, 5.0, 880606923),
    (1, 300, 2.0, 886397596),
    (12, 1000, 0.5, 884182806),
]
USER_IDS = [1, 5, 12]
ITEM_IDS = [7, 20, 300, 1000]
EXPECTED = np.array(
    [[0, 3.5, 2.0, 0], [0, 1.0, 4.0, 0], [5.0, 0, 0, 0.5]], dtype=np.float32
)


def _expected_times():
    T = np.full((3, 4), np.nan)
    for u, i, _, t in TRIPLES:
        T[USER_IDS.index(u), ITEM_IDS.index(i)] = t
    return T


def _lines(fmt):
    if fmt == "tab":
        return "".join(f"{u}\t{i}\t{r:g}\t{t}\n" for u, i, r, t in TRIPLES)
    if fmt == "colons":
        return "".join(f"{u}::{i}::{r:g}::{t}\n" for u, i, r, t in TRIPLES)
    header = "userId,movieId,rating,timestamp\n"
    return header + "".join(f"{u},{i},{r:.1f},{t}\n" for u, i, r, t in TRIPLES)


# name -> (archive, member, format, an unrelated member of the same archive)
LAYOUTS = {
    "100k": ("ml-100k.zip", "ml-100k/u.data", "tab", "ml-100k/u.item"),
    "1m": ("ml-1m.zip", "ml-1m/ratings.dat", "colons", "ml-1m/movies.dat"),
    "10m": ("ml-10m.zip", "ml-10M100K/ratings.dat", "colons", "ml-10M100K/tags.dat"),
    "20m": ("ml-20m.zip", "ml-20m/ratings.csv", "csv", "ml-20m/movies.csv"),
    "latest-small": (
        "ml-latest-small.zip",
        "ml-latest-small/ratings.csv",
        "csv",
        "ml-latest-small/links.csv",
    ),
}


def _write_archive(folder, name):
    archive, member, fmt, other = LAYOUTS[name]
    path = os.path.join(folder, archive)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(other, "1::not ratings::x\n")
        zf.writestr(member, _lines(fmt))
    return path


def _check_bunch(data, times=None):
    X, T = data.data, data.timestamps
    assert isinstance(X, sp.csr_matrix) and isinstance(T, sp.csr_matrix)
    assert X.dtype == np.float32 and T.dtype == np.float64
    assert X.has_canonical_format
    np.testing.assert_array_equal(X.toarray(), EXPECTED)
    np.testing.assert_array_equal(T.indptr, X.indptr)
    np.testing.assert_array_equal(T.indices, X.indices)
    np.testing.assert_array_equal(data.user_ids, USER_IDS)
    np.testing.assert_array_equal(data.item_ids, ITEM_IDS)
    expected_times = _expected_times() if times is None else times
    dense_t = np.full(T.shape, np.nan)
    rows = np.repeat(np.arange(T.shape[0]), np.diff(T.indptr))
    dense_t[rows, T.indices] = T.data
    np.testing.assert_array_equal(dense_t, expected_times)
    assert "Harper" in data.DESCR and "research" in data.DESCR


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_official_layouts_by_name_and_path(tmp_path, name):
    path = _write_archive(tmp_path, name)
    data = fetch_movielens(name, data_home=tmp_path, download_if_missing=False)
    _check_bunch(data)
    assert "MovieLens" in data.DESCR
    _check_bunch(fetch_movielens(path))
    # a pathlib.Path works too
    _check_bunch(fetch_movielens(tmp_path / LAYOUTS[name][0]))


def test_csv_path(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text(
        "user_id,item_id,rating,timestamp\n"
        + "".join(f"{u},{i},{r},{t}\n" for u, i, r, t in TRIPLES)
    )
    _check_bunch(fetch_movielens(str(path)))


def test_gz_csv_with_missing_timestamps(tmp_path):
    path = tmp_path / "ratings.csv.gz"
    lines = ["user_id,item_id,rating,timestamp\n"]
    for k, (u, i, r, t) in enumerate(TRIPLES):
        lines.append(f"{u},{i},{r},{'' if k % 2 else t}\n")
    with gzip.open(path, "wt") as f:
        f.write("".join(lines))
    times = _expected_times()
    for k, (u, i, _, _) in enumerate(TRIPLES):
        if k % 2:
            times[USER_IDS.index(u), ITEM_IDS.index(i)] = np.nan
    data = fetch_movielens(path)
    _check_bunch(data, times=times)
    assert np.isnan(data.timestamps.data).sum() == 3
    assert data.data.nnz == len(TRIPLES)
    assert "3 timestamps are unknown" in data.DESCR


def test_not_found_offline_message(tmp_path):
    with pytest.raises(
        DatasetNotFoundError, match="The MovieLens 1M archive 'ml-1m.zip' is not in"
    ) as excinfo:
        fetch_movielens("1m", data_home=tmp_path, download_if_missing=False)
    message = str(excinfo.value)
    assert "ml-1m.zip" in message
    assert "https://files.grouplens.org/datasets/movielens/ml-1m.zip" in message
    assert str(tmp_path) in message
    assert isinstance(excinfo.value, FileNotFoundError)
    with pytest.raises(OSError, match="download_if_missing=False was passed"):
        fetch_movielens("1m", data_home=tmp_path, download_if_missing=False)


def test_network_failure_message_and_no_partial_file(tmp_path, monkeypatch):
    def offline(url, timeout=None):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DatasetNotFoundError, match="downloading it failed") as exc:
        fetch_movielens("latest-small", data_home=tmp_path)
    message = str(exc.value)
    assert "ml-latest-small.zip" in message
    assert "https://files.grouplens.org/datasets/movielens/ml-latest-small.zip" in (
        message
    )
    assert str(tmp_path) in message
    assert os.listdir(tmp_path) == []


class _BrokenResponse(io.BytesIO):
    def read(self, *args):
        data = super().read(*args)
        if self.tell() > 10:
            raise TimeoutError("read timed out")
        return data


def test_interrupted_download_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(
        urllib.request, "urlopen", lambda url, timeout=None: _BrokenResponse(bytes(50))
    )
    with pytest.raises(DatasetNotFoundError, match="read timed out"):
        fetch_movielens("100k", data_home=tmp_path)
    assert os.listdir(tmp_path) == []


def test_download_damaged_file_is_not_kept(tmp_path, monkeypatch):
    monkeypatch.setattr(
        urllib.request,
        "urlopen",
        lambda url, timeout=None: io.BytesIO(b"<html>not a zip</html>"),
    )
    with pytest.raises(DatasetNotFoundError, match="is damaged"):
        fetch_movielens("100k", data_home=tmp_path)
    assert os.listdir(tmp_path) == []


def test_download_success(tmp_path, monkeypatch):
    source = tmp_path / "source"
    source.mkdir()
    payload = Path(_write_archive(source, "100k")).read_bytes()
    home = tmp_path / "home"
    urls = []

    def fake_urlopen(url, timeout=None):
        urls.append((url, timeout))
        return io.BytesIO(payload)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    _check_bunch(fetch_movielens("100k", data_home=home))
    assert urls[0][0] == "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
    assert urls[0][1] is not None
    assert os.listdir(home) == ["ml-100k.zip"]
    # cached: no second download
    _check_bunch(fetch_movielens("100k", data_home=home, download_if_missing=False))
    assert len(urls) == 1


def test_truncated_zip(tmp_path):
    path = _write_archive(tmp_path, "1m")
    content = Path(path).read_bytes()
    Path(path).write_bytes(content[: len(content) // 2])
    with pytest.raises(ValueError, match="ml-1m.zip.*malformed or truncated"):
        fetch_movielens("1m", data_home=tmp_path, download_if_missing=False)


def test_truncated_gz_csv(tmp_path):
    path = tmp_path / "ratings.csv.gz"
    body = "user_id,item_id,rating,timestamp\n" + "1,2,3.0,4\n" * 2000
    content = gzip.compress(body.encode())
    path.write_bytes(content[: len(content) // 2])
    with pytest.raises(ValueError, match="ratings.csv.gz"):
        fetch_movielens(path)


def test_zip_without_ratings(tmp_path):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("ml-100k/u.item", "1|Toy Story\n")
    with pytest.raises(ValueError, match="without a MovieLens ratings file"):
        fetch_movielens(path)


def test_csv_wrong_header(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("user,item,rating\n1,2,3\n")
    with pytest.raises(ValueError, match="expected the header user_id,item_id"):
        fetch_movielens(path)


def test_duplicate_pairs(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("user_id,item_id,rating,timestamp\n1,2,3,10\n1,2,4,11\n")
    with pytest.raises(ValueError, match="ratings.csv.*1 duplicate"):
        fetch_movielens(path)


def test_unknown_name_or_missing_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="neither a MovieLens release"):
        fetch_movielens("25m", data_home=tmp_path)
    with pytest.raises(FileNotFoundError, match="'100k', '1m'"):
        fetch_movielens(tmp_path / "nothing.zip")
    with pytest.raises(TypeError, match="name must be a str or a path"):
        fetch_movielens(100)


def test_get_data_home(tmp_path, monkeypatch):
    target = tmp_path / "env_home"
    monkeypatch.setenv("SKLEARN_RECAE_DATA", str(target))
    assert get_data_home() == str(target)
    assert target.is_dir()
    explicit = tmp_path / "a" / "b"
    assert get_data_home(explicit) == str(explicit)
    assert explicit.is_dir()
    monkeypatch.delenv("SKLEARN_RECAE_DATA")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_data_home() == str(tmp_path / "sklearn_recae_data")


def test_env_data_home_used_by_loader(tmp_path, monkeypatch):
    _write_archive(tmp_path, "latest-small")
    monkeypatch.setenv("SKLEARN_RECAE_DATA", str(tmp_path))
    _check_bunch(fetch_movielens("latest-small", download_if_missing=False))


def test_pandas_missing(tmp_path, monkeypatch):
    path = _write_archive(tmp_path, "100k")
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=r'pip install "sklearn-recae\[pandas\]"'):
        fetch_movielens(path)


# Ratings files as GroupLens ships them, given by path (issue 14, item 6):
# ML-100K's u.data (tabs, no header) was refused with advice to download it again.
PLAIN_FILES = {
    "u.data": "tab",
    "ratings.dat": "colons",
    "ratings.csv": "csv",
}


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gz"])
@pytest.mark.parametrize("filename", list(PLAIN_FILES))
def test_ratings_files_as_grouplens_ships_them(tmp_path, filename, gz):
    text = _lines(PLAIN_FILES[filename]).encode()
    path = tmp_path / (filename + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(text) if gz else text)
    data = fetch_movielens(path)
    _check_bunch(data)
    if filename == "u.data":
        assert data.DESCR.startswith("MovieLens 100K")


def test_csv_without_header(tmp_path):
    path = tmp_path / "ratings.csv"
    path.write_text("".join(f"{u},{i},{r},{t}\n" for u, i, r, t in TRIPLES))
    _check_bunch(fetch_movielens(path))


def test_empty_file(tmp_path):
    path = tmp_path / "u.data"
    path.write_text("")
    with pytest.raises(ValueError, match=r"u.data is empty: it holds no ratings"):
        fetch_movielens(path)


def test_malformed_u_data_names_the_expected_layouts(tmp_path):
    path = tmp_path / "u.data"
    path.write_text("1\t2\tthree\t4\n")
    with pytest.raises(ValueError, match=r"u.data.*ML-100K's tab-separated u.data"):
        fetch_movielens(path)


@pytest.mark.parametrize("download_if_missing", [True, False])
def test_offline_fetch_creates_no_cache_folder(
    tmp_path, monkeypatch, download_if_missing
):
    def offline(url, timeout=None):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    home = tmp_path / "cache" / "recae"
    with pytest.raises(DatasetNotFoundError, match="ml-100k.zip"):
        fetch_movielens("100k", data_home=home, download_if_missing=download_if_missing)
    assert os.listdir(tmp_path) == []
    # the default folder, from the environment, is not created either
    monkeypatch.setenv("SKLEARN_RECAE_DATA", str(home))
    with pytest.raises(DatasetNotFoundError, match="ml-100k.zip"):
        fetch_movielens("100k", download_if_missing=download_if_missing)
    assert os.listdir(tmp_path) == []


def test_offline_fetch_keeps_an_existing_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(
        urllib.request,
        "urlopen",
        lambda url, timeout=None: (_ for _ in ()).throw(urllib.error.URLError("x")),
    )
    with pytest.raises(DatasetNotFoundError, match="downloading it failed"):
        fetch_movielens("1m", data_home=tmp_path)
    assert tmp_path.is_dir() and os.listdir(tmp_path) == []


def test_load_movielens_is_a_deprecated_alias(tmp_path):
    _write_archive(tmp_path, "100k")
    with pytest.warns(FutureWarning, match="renamed fetch_movielens.*removed in 0.3"):
        data = load_movielens("100k", data_home=tmp_path, download=False)
    _check_bunch(data)
    with (
        pytest.warns(FutureWarning, match="renamed fetch_movielens"),
        pytest.raises(DatasetNotFoundError, match="download_if_missing=False"),
    ):
        load_movielens("1m", data_home=tmp_path, download=False)
