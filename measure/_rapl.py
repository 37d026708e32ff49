"""CPU package and DRAM energy from Linux RAPL through sysfs (powercap).

Zones are ``<root>/intel-rapl:<n>`` (a package, ``name`` = ``package-<n>``) and their
sub-zones ``intel-rapl:<n>:<m>`` (``dram`` is kept; ``core``/``uncore`` are inside the package
and would double count). Each zone's ``energy_uj`` [uJ] counts up and wraps to 0 after
``max_energy_range_uj`` (about 262 kJ): a reading below the previous one is unwrapped as
``max_energy_range_uj - prev + cur``. The sampler polls often enough that at most one wrap
happens between readings (262 kJ at 1 kW is 4 minutes). Labelled ``measured``.

The sysfs root is a parameter so tests build a fake tree under ``tmp_path``.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> z = root / "intel-rapl:0"; z.mkdir()
>>> for f, v in {"name": "package-0", "energy_uj": "1000", "max_energy_range_uj": "5000"}.items():
...     _ = (z / f).write_text(v + "\\n")
>>> [p.key for p in rapl_probes(root)]
['cpu:package-0']
"""

from __future__ import annotations

from pathlib import Path

from measure._errors import MeasureError, ProbePermissionError
from measure._probe import AccumulatingProbe

__all__ = ["DEFAULT_RAPL_ROOT", "RaplProbe", "rapl_probes"]

DEFAULT_RAPL_ROOT = "/sys/class/powercap"
#: RAPL counters update about every 1 ms (Intel SDM vol. 3B, 14.10.1).
RAPL_UPDATE_S = 0.001

_PERMISSION_FIX = ("read access to {path}: run as root, or once as root "
                   "`chmod o+r /sys/class/powercap/intel-rapl:*/energy_uj "
                   "/sys/class/powercap/intel-rapl:*/*/energy_uj` (or a udev rule)")


def _read_text(path: Path) -> str:
    """Read a sysfs file (one place, so that tests can simulate a denied read)."""
    return path.read_text(encoding="ascii")


def _read_int(path: Path) -> int:
    try:
        return int(_read_text(path).strip())
    except PermissionError as e:
        raise ProbePermissionError("rapl", str(path), _PERMISSION_FIX.format(path=path),
                                   f"rapl: permission denied reading {path}; give "
                                   + _PERMISSION_FIX.format(path=path)) from e
    except (OSError, ValueError) as e:
        raise MeasureError("rapl", str(path), "a readable integer counter",
                           f"rapl: cannot read {path}: {e}") from e


class RaplProbe(AccumulatingProbe):
    """One RAPL zone (package or DRAM), its counter polled and unwrapped."""

    method = "rapl"
    provenance = "measured"
    short_window_s = 3 * RAPL_UPDATE_S

    def __init__(self, zone: Path, *, package: int) -> None:
        super().__init__()
        self.zone = zone
        self.domain = _read_text(zone / "name").strip()
        self.kind = "dram" if self.domain == "dram" else "cpu"
        self.key = f"{self.kind}:package-{package}"
        self.name = f"RAPL {self.domain} (package {package})"
        self.max_range_uj = _read_int(zone / "max_energy_range_uj")
        if self.max_range_uj <= 0:
            raise MeasureError("rapl", str(zone), "max_energy_range_uj > 0")
        self.source = f"Linux RAPL powercap counter {zone}/energy_uj"
        self.static_details = {
            "zone": str(zone), "max_energy_range_uj": self.max_range_uj,
            "uncertainty": "counter timing only; RAPL's own model error is not included",
        }
        _read_int(zone / "energy_uj")  # fail now (permission) rather than in the sampler

    def _read(self, now_s: float) -> tuple[float, float]:
        energy_uj = _read_int(self.zone / "energy_uj")
        return float(energy_uj), now_s

    def _book(self, prev: tuple[float, float], cur: tuple[float, float]
              ) -> tuple[float, float, str | None, str]:
        delta_uj = cur[0] - prev[0]
        if delta_uj >= 0:
            return delta_uj / 1e6, 0.0, None, ""
        unwrapped_uj = self.max_range_uj - prev[0] + cur[0]
        return unwrapped_uj / 1e6, 0.0, "counter_wrap", (
            f"{prev[0]:.0f} uJ -> {cur[0]:.0f} uJ, range {self.max_range_uj} uJ")

    def _uncertainty_j(self, energy_j: float, span_s: float, reads: int) -> float | None:
        return 2 * RAPL_UPDATE_S * energy_j / span_s


def rapl_probes(root: str | Path = DEFAULT_RAPL_ROOT, *, dram: bool = True) -> list[RaplProbe]:
    """A probe per RAPL package zone (and DRAM sub-zone); ``[]`` when RAPL is absent.

    Raises :class:`ProbePermissionError` (with the fix) when a counter exists but cannot be
    read.
    """
    base = Path(root)
    if not base.is_dir():
        return []
    probes = []
    for zone in sorted(base.glob("intel-rapl:*")):
        parts = zone.name.split(":")
        if len(parts) != 2 or not parts[1].isdigit() or not (zone / "energy_uj").exists():
            continue
        package = int(parts[1])
        if not _read_text(zone / "name").strip().startswith("package"):
            continue  # psys (whole platform) would double count the package
        probes.append(RaplProbe(zone, package=package))
        if dram:
            for sub in sorted(zone.glob(f"intel-rapl:{package}:*")):
                if (sub / "name").exists() and _read_text(sub / "name").strip() == "dram":
                    probes.append(RaplProbe(sub, package=package))
    return probes
