"""Copy the front-end packages from node_modules into guanxi/web/static/vendor (never a CDN)."""

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NM = ROOT / "node_modules"
OUT = ROOT / "guanxi" / "web" / "static" / "vendor"

FILES = {
    "bootstrap/dist/css/bootstrap.min.css": "bootstrap/bootstrap.min.css",
    "bootstrap/dist/js/bootstrap.bundle.min.js": "bootstrap/bootstrap.bundle.min.js",
    "bootstrap-icons/font/bootstrap-icons.min.css": "bootstrap-icons/bootstrap-icons.min.css",
    "bootstrap-icons/font/fonts/bootstrap-icons.woff2": "bootstrap-icons/fonts/bootstrap-icons.woff2",
    "bootstrap-icons/font/fonts/bootstrap-icons.woff": "bootstrap-icons/fonts/bootstrap-icons.woff",
    "htmx.org/dist/htmx.min.js": "htmx/htmx.min.js",
    "@alpinejs/csp/dist/cdn.min.js": "alpine/alpine-csp.min.js",
    "echarts/dist/echarts.min.js": "echarts/echarts.min.js",
    "sortablejs/Sortable.min.js": "sortable/Sortable.min.js",
}


def main() -> None:
    for src, dst in FILES.items():
        target = OUT / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NM / src, target)
    print(f"copied {len(FILES)} front-end files into {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
