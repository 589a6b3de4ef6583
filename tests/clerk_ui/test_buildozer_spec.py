"""buildozer.spec passes buildozer's own check offline and asks for what the app needs."""

from __future__ import annotations

from pathlib import Path

from buildozer import Buildozer

ROOT = Path(__file__).resolve().parents[2]


def test_the_spec_is_accepted_and_complete() -> None:
    spec = Buildozer(str(ROOT / "buildozer.spec"))  # exits with the errors if it is not valid
    config = spec.config
    assert config.getlist("app", "android.archs") == ["arm64-v8a"]
    assert int(config.getdefault("app", "android.minapi", "0")) >= 24
    requirements = config.getlist("app", "requirements")
    assert "kivy==2.3.1" in requirements and "httpx" in requirements
    assert not [r for r in requirements if r.startswith(("zxing", "babel", "segno"))]
    permissions = config.getlist("app", "android.permissions")
    assert {"INTERNET", "CAMERA"} <= set(permissions)
    extensions = set(config.getlist("app", "source.include_exts"))
    # The screens (.kv), the catalogue (.po), the font (.otf) and the trusted documents (.json).
    assert {"py", "kv", "po", "otf", "json", "txt"} <= extensions
    assert (
        ROOT / config.getdefault("app", "icon.filename", "").replace("%(source.dir)s/", "")
    ).exists()
    assert (ROOT / "main.py").exists()
