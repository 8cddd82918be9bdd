"""Build step of the wheel (the metadata is in pyproject.toml): templates/,
static/, translations/ (compiled catalogs) and migrations/ stay top-level
folders of the repository and are copied into the package, as app/templates,
app/static, app/translations and app/migrations, where an installed copy finds
them (app/config.py: RESOURCES). An editable install reads them in place."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
#: Folder -> what of it the app reads when it runs.
RESOURCE_FOLDERS = {
    "templates": shutil.ignore_patterns("__pycache__", "*.pyc"),
    "static": shutil.ignore_patterns("__pycache__", "*.pyc"),
    "translations": shutil.ignore_patterns("*.po", "*.pot"),
    "migrations": shutil.ignore_patterns("__pycache__", "*.pyc"),
}


class BuildWithResources(build_py):
    """build_py, then the resource folders into the package's build copy."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for folder, ignore in RESOURCE_FOLDERS.items():
            target = Path(self.build_lib) / "app" / folder
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(HERE / folder, target, ignore=ignore)


setup(cmdclass={"build_py": BuildWithResources})
