"""``.ci/system-packages.sh``: the README's test command installs or names what it needs.

The script is run with a PATH of stub commands, so that each case (a package missing, as
root or not) is made here without touching the machine.
"""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / ".ci" / "system-packages.sh"


def stubs(folder, commands, uid):
    """A folder of stub executables: each of ``commands``, ``id`` printing ``uid``, and an
    ``apt-get`` that records its arguments in folder/apt-get.log."""
    folder.mkdir()
    for name in commands:
        (folder / name).write_text("#!/bin/sh\nexit 0\n")
    (folder / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (folder / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {folder}/apt-get.log\n')
    for path in folder.iterdir():
        path.chmod(0o755)
    return folder


def run_script(path_folder):
    env = {"PATH": str(path_folder)}
    return subprocess.run(["/bin/bash", str(SCRIPT)], capture_output=True, text=True, env=env)


def test_readme_test_command_starts_with_the_script():
    readme = (ROOT / "README.md").read_text().splitlines()
    command = readme[readme.index("# 2. Set up and run the tests") + 1]
    assert command.startswith(".ci/system-packages.sh && ")


def test_nothing_missing_installs_nothing(tmp_path):
    folder = stubs(tmp_path / "bin", ["chromium", "bwrap", "node", "npm"], uid=0)
    result = run_script(folder)
    assert result.returncode == 0, result.stderr
    assert not (folder / "apt-get.log").exists()


def test_missing_package_without_root_fails_at_once_naming_it(tmp_path):
    folder = stubs(tmp_path / "bin", ["chromium", "node", "npm"], uid=1000)
    result = run_script(folder)
    assert result.returncode == 1
    assert "not installed: bubblewrap" in result.stderr
    assert "sudo apt-get install bubblewrap" in result.stderr
    assert not (folder / "apt-get.log").exists()


def test_missing_packages_as_root_are_installed_with_apt_get(tmp_path):
    folder = stubs(tmp_path / "bin", ["bwrap"], uid=0)
    result = run_script(folder)
    assert result.returncode == 0, result.stderr
    calls = (folder / "apt-get.log").read_text().splitlines()
    assert calls[0] == "update -qq"
    assert calls[1] == "install -y -qq chromium nodejs npm"
