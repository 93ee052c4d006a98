"""The console in ``yuqing demo``: a signing secret and a duty-staff account for the demo.

The secret is ``$YUQING_CONSOLE_SECRET`` or a fresh random one; the demo password is
``$YUQING_DEMO_PASSWORD`` or a fresh random one, printed once. Neither is ever written into
the repository: the demo's config (under ``var/``) holds only the password's scrypt hash, and
the secret goes to ``console.env`` (mode 0600) beside it, so ``yuqing serve`` started later
accepts the links in the demo's e-mails.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

import yaml

from yuqing.config.console_section import SECRET_ENV
from yuqing.console.passwords import hash_password

PASSWORD_ENV = "YUQING_DEMO_PASSWORD"
USERNAME = "duty"
DEFAULT_PORT = 8765


@dataclass
class DemoConsole:
    url: str
    port: int
    username: str
    password: str
    generated: bool  # the password was generated (else it came from $YUQING_DEMO_PASSWORD)
    env_file: Path


def _port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise OSError("no free port for the console")


def setup(cfg_dir: Path, out_dir: Path, preferred_port: int = DEFAULT_PORT) -> DemoConsole:
    """Fill the demo config's ``console:`` section and make sure this process has a secret
    (alert messages are signed with it when the demo delivers them)."""
    secret = os.environ.get(SECRET_ENV) or secrets.token_urlsafe(32)
    os.environ[SECRET_ENV] = secret
    password = os.environ.get(PASSWORD_ENV) or secrets.token_urlsafe(9)
    port = _port(preferred_port)
    url = f"http://127.0.0.1:{port}"
    path = cfg_dir / "settings.yaml"
    settings = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    settings["console"] = {
        **settings.get("console", {}),
        "base_url": url,
        "host": "127.0.0.1",
        "port": port,
        "state_path": str(out_dir / "console.db"),
        "users": [
            {
                "username": USERNAME,
                "name": "值班员（演示）",
                "password_hash": hash_password(password),
            }
        ],
    }
    path.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), "utf-8")
    env_file = out_dir / "console.env"
    env_file.touch(mode=0o600)
    env_file.chmod(0o600)
    env_file.write_text(f"{SECRET_ENV}={secret}\n", encoding="utf-8")
    return DemoConsole(url, port, USERNAME, password, not os.environ.get(PASSWORD_ENV), env_file)
