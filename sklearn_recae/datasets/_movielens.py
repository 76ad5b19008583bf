"""Loader for the MovieLens rating data sets (GroupLens)."""

import gzip
import http.client
import io
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..exceptions import DatasetNotFoundError
from ._frame import _build_interactions

__all__ = [
    "DatasetNotFoundError",
    "fetch_movielens",
    "get_data_home",
    "load_movielens",
]

BASE_URL = "https://files.grouplens.org/datasets/movielens/"
DOWNLOAD_TIMEOUT = 60  # seconds without data before a download is abandoned

# name -> (archive, ratings member, separator, has header, description)
_ARCHIVES = {
    "100k": ("ml-100k.zip", "ml-100k/u.data", "\t", False, "MovieLens 100K"),
    "1m": ("ml-1m.zip", "ml-1m/ratings.dat", "::", False, "MovieLens 1M"),
    "10m": ("ml-10m.zip", "ml-10M100K/ratings.dat", "::", False, "MovieLens 10M"),
    "20m": ("ml-20m.zip", "ml-20m/ratings.csv", ",", True, "MovieLens 20M"),
    "latest-small": (
        "ml-latest-small.zip",
        "ml-latest-small/ratings.csv",
        ",",
        True,
        "MovieLens latest-small",
    ),
}
_COLUMNS = ["user_id", "item_id", "rating", "timestamp"]
_GROUPLENS_HEADER = ["userId", "movieId", "rating", "timestamp"]

_LICENCE = """\
Licence (GroupLens): the MovieLens data sets may be used for research purposes
only; no endorsement by the University of Minnesota or GroupLens may be stated or
implied; no commercial use without permission; publications using them must cite
F. M. Harper and J. A. Konstan (2015), "The MovieLens Datasets: History and
Context", ACM Transactions on Interactive Intelligent Systems 5(4), Article 19,
https://doi.org/10.1145/2827872. Do not redistribute the data (ML-100K, 1M, 10M
and 20M may not be redistributed without GroupLens's permission)."""


def get_data_home(data_home=None):
    """Return the folder where data sets are cached, creating it if needed.

    The folder is ``data_home`` if given, else the environment variable
    ``SKLEARN_RECAE_DATA`` if set, else ``~/sklearn_recae_data``. A ``~`` is
    expanded.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to use; None picks the default as above.

    Returns
    -------
    data_home : str
        The path of the folder.

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn_recae.datasets import get_data_home
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     home = get_data_home(os.path.join(tmp, "recae"))
    ...     os.path.isdir(home)
    True
    """
    data_home = _data_home_path(data_home)
    os.makedirs(data_home, exist_ok=True)
    return data_home


def _data_home_path(data_home=None):
    """The folder :func:`get_data_home` picks, without creating it."""
    if data_home is None:
        data_home = os.environ.get(
            "SKLEARN_RECAE_DATA", os.path.join("~", "sklearn_recae_data")
        )
    return os.path.expanduser(os.fspath(data_home))


def _import_pandas():
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError(
            "fetch_movielens needs pandas, an optional dependency of "
            'sklearn-recae. Install it with: pip install "sklearn-recae[pandas]"'
        ) from exc
    return pd


def _not_found(name, archive, folder, reason):
    url = BASE_URL + archive
    return DatasetNotFoundError(
        f"The {_ARCHIVES[name][4]} archive '{archive}' is not in {folder} and "
        f"{reason}. Download it from {url} and put the zip file, unchanged and not "
        f"unpacked, in the folder {folder} (as {os.path.join(folder, archive)}), "
        f"or pass its path: fetch_movielens('/path/to/{archive}')."
    )


def _download(name, archive, folder):
    """Download ``archive`` into ``folder`` atomically; return its path.

    ``folder`` is created for the download and removed again if the download
    fails and it was created here, so a failed (offline) call leaves no empty
    cache folder behind.
    """
    url = BASE_URL + archive
    target = os.path.join(folder, archive)
    created = []
    head = folder
    while head and not os.path.isdir(head):
        created.append(head)
        head = os.path.dirname(head)
    os.makedirs(folder, exist_ok=True)
    try:
        return _download_into(name, archive, folder, url, target)
    except BaseException:
        for path in created:  # deepest first
            try:
                os.rmdir(path)
            except OSError:
                break
        raise


def _download_into(name, archive, folder, url, target):
    fd, tmp = tempfile.mkstemp(prefix=f".{archive}.", suffix=".part", dir=folder)
    try:
        try:
            with (
                os.fdopen(fd, "wb") as out,
                urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response,
            ):
                shutil.copyfileobj(response, out, length=1 << 20)
        except (OSError, http.client.HTTPException, ValueError) as exc:
            # OSError covers urllib.error.URLError, HTTPError and timeouts.
            raise _not_found(
                name, archive, folder, f"downloading it failed ({exc!r})"
            ) from exc
        try:
            with zipfile.ZipFile(tmp) as zf:
                broken = zf.testzip()
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            broken = f"not a zip archive ({exc})"
        if broken is not None:
            raise _not_found(
                name,
                archive,
                folder,
                f"the file downloaded from {url} is damaged ({broken})",
            )
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return target


def _read_table(pd, source, sep, header, path):
    """Read (user, item, rating, timestamp) from a file object with pandas."""
    if sep == "::":
        # pandas' C parser takes one-character separators only.
        source = io.BytesIO(source.read().replace(b"::", b"\t"))
        sep = "\t"
    frame = pd.read_csv(
        source,
        sep=sep,
        header=0 if header else None,
        names=None if header else _COLUMNS,
        dtype={"rating": np.float64, "timestamp": np.float64} if not header else None,
        compression=None,
    )
    if header:
        columns = [str(c).strip() for c in frame.columns]
        if columns not in (_COLUMNS, _GROUPLENS_HEADER):
            raise ValueError(
                f"{path} has the columns {columns}; expected the header "
                f"{','.join(_COLUMNS)} (or GroupLens's "
                f"{','.join(_GROUPLENS_HEADER)})."
            )
        frame.columns = _COLUMNS
    return frame


def _sniff(first_line, path):
    """(separator, has header) of a ratings file from its first line.

    GroupLens ships ML-100K's ``u.data`` tab-separated, ML-1M's and ML-10M's
    ``ratings.dat`` ``::``-separated, both without a header, and the CSV
    releases comma-separated with the header ``userId,movieId,rating,timestamp``.
    """
    line = first_line.decode("utf-8", errors="replace").strip()
    if not line:
        raise ValueError(f"{path} is empty: it holds no ratings.")
    sep = "::" if "::" in line else "\t" if "\t" in line else ","
    first = line.split(sep)[0].strip()
    try:
        float(first)
    except ValueError:
        return sep, True
    return sep, False


def _open_plain(path):
    """A binary file object on ``path``, decompressing gzip (by its magic bytes)."""
    with open(path, "rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rb")
    return open(path, "rb")


def _find_member(zf, path):
    names = set(zf.namelist())
    for key, (_, member, sep, header, _desc) in _ARCHIVES.items():
        if member in names:
            return key, member, sep, header
    expected = ", ".join(spec[1] for spec in _ARCHIVES.values())
    raise ValueError(
        f"{path} is a zip archive without a MovieLens ratings file; expected one of "
        f"{expected}. Pass an official GroupLens archive or a ratings CSV."
    )


def _read_ratings(path):
    """Return (frame, dataset key or None) from an archive or a CSV file."""
    pd = _import_pandas()
    read_errors = (
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        zipfile.BadZipFile,
        EOFError,
        zlib.error,
        UnicodeDecodeError,
        gzip.BadGzipFile,
        ValueError,
        TypeError,
    )
    try:
        if zipfile.is_zipfile(path) or str(path).lower().endswith(".zip"):
            with zipfile.ZipFile(path) as zf:
                key, member, sep, header = _find_member(zf, path)
                with zf.open(member) as source:
                    frame = _read_table(pd, source, sep, header, path)
        else:
            key = "100k" if Path(path).name in ("u.data", "u.data.gz") else None
            with _open_plain(path) as source:
                sep, header = _sniff(source.readline(), path)
                source.seek(0)
                frame = _read_table(pd, source, sep, header, path)
        users = frame["user_id"].to_numpy()
        items = frame["item_id"].to_numpy()
        ratings = frame["rating"].to_numpy(dtype=np.float64)
        times = frame["timestamp"].to_numpy(dtype=np.float64, na_value=np.nan)
    except read_errors as exc:
        raise ValueError(
            f"Could not read MovieLens ratings from {path}: {exc}. Expected an "
            f"official GroupLens archive, ML-100K's tab-separated u.data, a "
            f"'::'-separated ratings.dat, or a CSV of user, item, rating and "
            f"timestamp (with GroupLens's header or none); if it is one of those, "
            f"it is malformed or truncated (an interrupted download?): download it "
            f"again."
        ) from exc
    return key, users, items, ratings, times


def _descr(key, path, n_users, n_items, nnz, n_missing_times):
    title = _ARCHIVES[key][4] if key is not None else "MovieLens-style ratings"
    missing = (
        f"\n{n_missing_times} timestamps are unknown (NaN)." if n_missing_times else ""
    )
    return (
        f"{title}\n{'=' * len(title)}\n\n"
        f"Ratings of movies by users, read from {path}.\n"
        f"{n_users} users x {n_items} items, {nnz} ratings.{missing}\n"
        f"``data`` holds the ratings (rows: users sorted by id, columns: movies "
        f"sorted by id), ``timestamps`` the UNIX times of the ratings on the same "
        f"sparsity pattern, ``user_ids`` and ``item_ids`` the original ids.\n\n"
        f"{_LICENCE}\n"
    )


def fetch_movielens(name="100k", *, data_home=None, download_if_missing=True):
    """Load a MovieLens rating data set as a user x item matrix.

    ``name`` is one of the GroupLens releases, looked up as the official zip
    archive in ``data_home`` and downloaded from
    ``https://files.grouplens.org/datasets/movielens/`` when absent, or the path of
    an archive or of a ratings file as GroupLens ships it:

    ================  ==========================  ===================================
    name              archive                     ratings file inside
    ================  ==========================  ===================================
    '100k'            ``ml-100k.zip``             ``ml-100k/u.data`` (tab-separated)
    '1m'              ``ml-1m.zip``               ``ml-1m/ratings.dat`` (``::``)
    '10m'             ``ml-10m.zip``              ``ml-10M100K/ratings.dat`` (``::``)
    '20m'             ``ml-20m.zip``              ``ml-20m/ratings.csv``
    'latest-small'    ``ml-latest-small.zip``     ``ml-latest-small/ratings.csv``
    ================  ==========================  ===================================

    A ratings file given by path is read in the layout its first line shows:
    tab-separated without a header (ML-100K's ``u.data``), ``::``-separated
    without a header (``ratings.dat`` of ML-1M and ML-10M), or comma-separated,
    with the header ``user_id,item_id,rating,timestamp`` or GroupLens's
    ``userId,movieId,rating,timestamp`` or none (columns in that order). Any of
    them may be gzip-compressed. Empty timestamps are read as NaN. Reading needs
    pandas (``pip install "sklearn-recae[pandas]"``).

    The data are licensed by GroupLens for research use only: cite Harper and
    Konstan (2015) and do not redistribute them. See ``DESCR``.

    Parameters
    ----------
    name : {'100k', '1m', '10m', '20m', 'latest-small'} or path-like, \
            default='100k'
        The release to load, or the path of an official archive or of a ratings
        file.

    data_home : str or path-like, default=None
        The folder to look for (and download) archives in; see
        :func:`get_data_home`. Not used when ``name`` is a path. It is created
        only when a download starts, and removed again if that download fails
        and the folder is still empty.

    download_if_missing : bool, default=True
        Whether to download the archive when it is not in ``data_home``; if
        False, a missing archive raises :class:`DatasetNotFoundError` (as
        scikit-learn's ``fetch_*`` functions raise ``OSError``).

        .. versionadded:: 0.1
           Replaces ``load_movielens(download=...)``.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With the keys

        data : scipy.sparse.csr_matrix of shape (n_users, n_items)
            The ratings, float32. Rows are the users sorted by id, columns the
            items sorted by id.
        timestamps : scipy.sparse.csr_matrix of shape (n_users, n_items)
            The UNIX time of each rating, float64, NaN where unknown, with the same
            ``indptr`` and ``indices`` as ``data``.
        user_ids : ndarray of shape (n_users,)
            The original id of each row.
        item_ids : ndarray of shape (n_items,)
            The original id of each column.
        DESCR : str
            A description of the data, with the licence.

    Raises
    ------
    DatasetNotFoundError
        If the archive is not in ``data_home`` and cannot be downloaded (offline,
        or ``download_if_missing=False``); the message says where to put it.
    ValueError
        If the file is malformed or truncated, or holds duplicate (user, item)
        pairs.

    See Also
    --------
    interactions_from_frame : Build the same from any data frame.

    References
    ----------
    .. [1] F. M. Harper and J. A. Konstan, "The MovieLens Datasets: History and
       Context", ACM Transactions on Interactive Intelligent Systems 5(4), 2015.
       https://doi.org/10.1145/2827872

    Examples
    --------
    >>> import os, tempfile
    >>> from sklearn_recae.datasets import fetch_movielens
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "ratings.csv")
    ...     with open(path, "w") as f:
    ...         _ = f.write("user_id,item_id,rating,timestamp\\n"
    ...                     "1,10,4.0,964982703\\n2,10,3.5,\\n2,30,5.0,964981247\\n")
    ...     ml = fetch_movielens(path)
    >>> ml.data.toarray()
    array([[4. , 0. ],
           [3.5, 5. ]], dtype=float32)
    >>> ml.user_ids, ml.item_ids
    (array([1, 2]), array([10, 30]))
    >>> ml.timestamps.data
    array([9.64982703e+08,            nan, 9.64981247e+08])
    """
    if isinstance(name, str) and name in _ARCHIVES:
        archive = _ARCHIVES[name][0]
        folder = _data_home_path(data_home)
        path = os.path.join(folder, archive)
        if not os.path.exists(path):
            if not download_if_missing:
                raise _not_found(
                    name, archive, folder, "download_if_missing=False was passed"
                )
            path = _download(name, archive, folder)
    elif isinstance(name, (str, os.PathLike)):
        path = os.fspath(name)
        if not os.path.isfile(path):
            raise FileNotFoundError(
                f"name={str(name)!r} is neither a MovieLens release "
                f"({', '.join(repr(k) for k in _ARCHIVES)}) nor an existing file. "
                f"Pass one of those names or the path of an archive or ratings file."
            )
    else:
        raise TypeError(
            f"name must be a str or a path, got {type(name).__name__}. Pass one of "
            f"{', '.join(repr(k) for k in _ARCHIVES)} or a file path."
        )

    key, users, items, ratings, times = _read_ratings(path)
    try:
        X, user_ids, item_ids, T = _build_interactions(
            users, items, ratings, dtype=np.float32, extra=times
        )
    except ValueError as exc:
        raise ValueError(f"Bad ratings in {path}: {exc}") from exc
    n_missing = int(np.isnan(T.data).sum())
    return Bunch(
        data=X,
        timestamps=T,
        user_ids=user_ids,
        item_ids=item_ids,
        DESCR=_descr(key, Path(path).name, X.shape[0], X.shape[1], X.nnz, n_missing),
    )


def load_movielens(name="100k", *, data_home=None, download=True):
    """Deprecated: use :func:`fetch_movielens`.

    ``load_movielens(name, download=d)`` is ``fetch_movielens(name,
    download_if_missing=d)``: the name and parameter follow scikit-learn's
    fetchers, which download, where ``load_*`` functions read bundled data.

    .. deprecated:: 0.1
       ``load_movielens`` was renamed :func:`fetch_movielens` (and ``download``
       ``download_if_missing``); it will be removed in 0.3.

    Parameters
    ----------
    name : {'100k', '1m', '10m', '20m', 'latest-small'} or path-like, \
            default='100k'
        As in :func:`fetch_movielens`.
    data_home : str or path-like, default=None
        As in :func:`fetch_movielens`.
    download : bool, default=True
        ``download_if_missing`` of :func:`fetch_movielens`.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        As :func:`fetch_movielens` returns.

    Examples
    --------
    >>> import warnings
    >>> from sklearn_recae.datasets import load_movielens
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     try:
    ...         load_movielens("not-a-file")
    ...     except FileNotFoundError:
    ...         pass
    >>> caught[0].category.__name__
    'FutureWarning'
    """
    warnings.warn(
        "load_movielens was renamed fetch_movielens (and its download parameter "
        "download_if_missing) in 0.1; load_movielens will be removed in 0.3. Use "
        "fetch_movielens(name, download_if_missing=...).",
        FutureWarning,
        stacklevel=2,
    )
    return fetch_movielens(name, data_home=data_home, download_if_missing=download)
