"""Static files from npm packages: only the files Tillid serves, not whole packages.

The packages come from npm (package.json); this finder exposes the listed
files and folders under `vendor/…`, so `collectstatic` copies a few MB
instead of every package's sources, maps and type declarations.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage


def _files(root: Path, patterns: list[str]) -> list[str]:
    found = []
    for pattern in patterns:
        found.extend(str(p.relative_to(root)) for p in sorted(root.glob(pattern)) if p.is_file())
    return found


class NodeModulesFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = []  # (prefix, root, files, storage)
        for prefix, package_dir, patterns in settings.TILLID_NODE_STATIC:
            root = Path(settings.NODE_MODULES) / package_dir
            storage = FileSystemStorage(location=str(root))
            storage.prefix = prefix
            self.sources.append(
                (prefix, root, _files(root, patterns) if root.exists() else [], storage)
            )

    def check(self, **kwargs):
        return [
            Error(
                f"npm package folder {root} is missing or empty; run `npm ci` (make install).",
                id="tillid.E001",
            )
            for _prefix, root, files, _storage in self.sources
            if not files
        ]

    def find(self, path, find_all=False, **kwargs):
        find_all = find_all or kwargs.get("all", False)
        matches = []
        for prefix, root, files, _storage in self.sources:
            if path.startswith(prefix + "/") and path[len(prefix) + 1 :] in files:
                match = str(root / path[len(prefix) + 1 :])
                if not find_all:
                    return match
                matches.append(match)
        return matches

    def list(self, ignore_patterns):
        for _prefix, _root, files, storage in self.sources:
            for name in files:
                yield name, storage
