"""entrypoints/absent.py: the named modules (and their submodules) look uninstalled inside the
block, nothing else does, and the finder is gone afterwards."""

import sys

import pytest

from entrypoints.absent import _NotInstalled, absent


def test_named_modules_and_their_submodules_are_absent_only_inside_the_block() -> None:
    finder = _NotInstalled(("pkg_that_is_absent.cli",))
    for name in ("pkg_that_is_absent.cli", "pkg_that_is_absent.cli.sub"):
        with pytest.raises(ModuleNotFoundError, match=f"^No module named '{name}'$") as raised:
            finder.find_spec(name)
        assert raised.value.name == name  # what `except ImportError as e: e.name` reads
    for name in ("pkg_that_is_absent", "pkg_that_is_absent.client", "json"):
        assert finder.find_spec(name) is None  # left to the other finders

    before = list(sys.meta_path)
    with absent(("colorsys",)):
        assert isinstance(sys.meta_path[0], _NotInstalled)
    assert sys.meta_path == before


def test_a_module_absent_in_the_block_imports_normally_after_it() -> None:
    sys.modules.pop("colorsys", None)
    with absent(("colorsys",)), pytest.raises(ModuleNotFoundError):
        import colorsys
    import colorsys

    assert colorsys.rgb_to_hsv(1.0, 0.0, 0.0) == (0.0, 1.0, 1.0)
