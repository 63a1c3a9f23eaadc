"""Only what pyproject.toml cannot say: the coursework notebooks, which live in notebooks/ at the top of
the repository (where students open them), ship inside the package as diffkit/notebooks (the .ipynb
files only, not the scripts that generate them), so that `diffkit tour` can copy them next to its
report in an installed copy too."""

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

NOTEBOOKS = "diffkit.notebooks"


class BuildPy(build_py):
    def find_package_modules(self, package, package_dir):
        return [] if package == NOTEBOOKS else super().find_package_modules(package, package_dir)


setup(packages=find_packages(include=["diffkit", "diffkit.*"]) + [NOTEBOOKS],
      package_dir={NOTEBOOKS: "notebooks"},
      cmdclass={"build_py": BuildPy})
