"""A reader of the Dockerfile instructions that the image tests check, without Docker.

Only what those tests need: stages (FROM … AS …), each stage's instructions with their
continuation lines joined and comments dropped, the ENV pairs, exec-form (JSON) and shell-form
commands, HEALTHCHECK options, COPY sources and destinations, and the commands a RUN chains
with `&&`. No variable expansion but what the test does itself ($PATH).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Instruction:
    keyword: str  # upper case: FROM, RUN, ENV, …
    arguments: str  # the rest, continuation lines joined with single spaces


@dataclass
class Stage:
    base_image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [ins for ins in self.instructions if ins.keyword == keyword]

    def last(self, keyword: str) -> Instruction:
        found = self.all(keyword)
        assert found, f"the stage FROM {self.base_image} has no {keyword}"
        return found[-1]

    def env(self) -> dict[str, str]:
        """Every ENV of the stage, in order (a later one wins), values unexpanded."""
        pairs: dict[str, str] = {}
        for ins in self.all("ENV"):
            words = shlex.split(ins.arguments)
            if words and "=" not in words[0]:  # the old form: ENV KEY the value
                key, _, value = ins.arguments.strip().partition(" ")
                pairs[key] = value.strip()
                continue
            for word in words:
                key, _, value = word.partition("=")
                pairs[key] = value
        return pairs

    def run_commands(self) -> list[list[str]]:
        """The argument lists of the commands every RUN chains with `&&`."""
        commands: list[list[str]] = []
        for ins in self.all("RUN"):
            for part in re.split(r"\s*&&\s*", ins.arguments):
                if part.strip():
                    commands.append(shlex.split(part))
        return commands

    def copies(self) -> list[tuple[list[str], str, str | None]]:
        """Each COPY as (sources, destination, the stage it copies from or None)."""
        found = []
        for ins in self.all("COPY"):
            words = shlex.split(ins.arguments)
            source_stage = None
            while words and words[0].startswith("--"):
                flag = words.pop(0)
                if flag.startswith("--from="):
                    source_stage = flag.removeprefix("--from=")
            *sources, destination = words
            found.append((sources, destination, source_stage))
        return found


@dataclass(frozen=True)
class HealthCheck:
    options: dict[str, str]  # --interval=30s → {"interval": "30s"}
    command: list[str]  # the CMD in exec form


def exec_form(arguments: str) -> list[str]:
    """A JSON array of strings (what Docker runs without a shell)."""
    parsed = json.loads(arguments)
    assert isinstance(parsed, list) and all(isinstance(word, str) for word in parsed), (
        f"not an exec-form command: {arguments}"
    )
    return parsed


def health_check(stage: Stage) -> HealthCheck:
    arguments = stage.last("HEALTHCHECK").arguments
    options: dict[str, str] = {}
    rest = arguments.strip()
    while rest.startswith("--"):
        option, _, rest = rest.partition(" ")
        name, _, value = option.removeprefix("--").partition("=")
        options[name] = value
        rest = rest.strip()
    keyword, _, command = rest.partition(" ")
    assert keyword.upper() == "CMD", f"HEALTHCHECK without CMD: {arguments}"
    return HealthCheck(options, exec_form(command.strip()))


def seconds(duration: str) -> float:
    """A Docker duration such as 30s, 1m30s or 500ms, in seconds."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration)
    assert parts and "".join(n + u for n, u in parts) == duration, f"not a duration: {duration}"
    return sum(float(number) * units[unit] for number, unit in parts)


def read_stages(path: Path) -> list[Stage]:
    """The stages of a Dockerfile, in order; the last one is the image that runs."""
    stages: list[Stage] = []
    logical: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):  # comments may also sit between continuations
            continue
        if line.endswith("\\"):
            logical.append(line[:-1].strip())
            continue
        logical.append(line)
        keyword, _, arguments = " ".join(logical).partition(" ")
        logical = []
        instruction = Instruction(keyword.upper(), arguments.strip())
        if instruction.keyword == "FROM":
            words = instruction.arguments.split()
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        else:
            assert stages, f"{instruction.keyword} before the first FROM"
            stages[-1].instructions.append(instruction)
    assert not logical, "the Dockerfile ends in a continuation line"
    return stages
