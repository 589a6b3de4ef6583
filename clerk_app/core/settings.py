"""What the app remembers between runs besides the session: the server's address the clerk
last signed in to, and a language chosen by hand (None: follow the phone)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

SETTINGS_FILE = "settings.json"


@dataclass
class Settings:
    server_url: str = ""
    language: str | None = None

    @classmethod
    def load(cls, data_dir: Path) -> Settings:
        path = data_dir / SETTINGS_FILE
        if not path.exists():
            return cls()
        saved = json.loads(path.read_text("utf-8"))
        return cls(str(saved.get("server_url", "")), saved.get("language"))

    def save(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        temporary = data_dir / (SETTINGS_FILE + ".tmp")
        temporary.write_text(json.dumps(asdict(self), ensure_ascii=False), "utf-8")
        temporary.replace(data_dir / SETTINGS_FILE)
