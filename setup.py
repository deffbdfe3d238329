"""Build step only (everything else is in pyproject.toml): the shipped scenarios and assets live
at the top of the repository, where the docs point; a wheel carries them inside the package, as
game/scenarios and game/assets, so that `pip install .` (not editable) finds them (game/data.py)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA = {"scenarios": ("*.yaml",), "assets": ("*.yaml", "*.json")}


class BuildWithData(build_py):
    def run(self):
        super().run()
        here = Path(__file__).resolve().parent
        for folder, patterns in DATA.items():
            target = Path(self.build_lib) / "game" / folder
            target.mkdir(parents=True, exist_ok=True)
            for pattern in patterns:
                for f in sorted((here / folder).glob(pattern)):
                    shutil.copy2(f, target / f.name)


setup(cmdclass={"build_py": BuildWithData})
