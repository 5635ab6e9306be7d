"""Map the `fanlight` namespace over its three source folders (see pyproject.toml)."""

from setuptools import find_namespace_packages, setup

SOURCE_ROOTS = ("platform", "renderers", "admin")

packages: list[str] = []
package_dir: dict[str, str] = {}
for root in SOURCE_ROOTS:
    for package in find_namespace_packages(where=root, include=["fanlight.*"]):
        packages.append(package)
        package_dir[package] = f"{root}/{package.replace('.', '/')}"

setup(packages=packages, package_dir=package_dir)
