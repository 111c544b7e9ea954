"""The page shell every HTML page of the project shares: CSS, two small scripts, escaping, inline images, bars.

Pages are single files that open from disk without a server: images are ``data:`` URIs, the CSS and script are
inline, and nothing refers to a network address.
"""
from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

CSS = """
:root{--ok:#1a7f37;--bad:#c62828;--muted:#5f6b7a;--line:#d8dee4;--bg:#f6f8fa;
      --llm:#4c72b0;--aff:#55a868;--comb:#c44e52}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1f2328;
     background:#fff}
main{max-width:1180px;margin:0 auto;padding:20px 24px 60px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid var(--line);
  padding-bottom:4px}h3{font-size:15px;margin:0}
.sub{color:var(--muted);margin:0 0 14px}.muted{color:var(--muted)}
.box{border:1px solid var(--line);border-radius:8px;padding:12px 16px;background:var(--bg);margin:10px 0}
.box.ok{border-left:6px solid var(--ok)}.box.bad{border-left:6px solid var(--bad)}.box.none{border-left:6px solid #8c959f}
.verdict{font-size:17px;font-weight:600;margin-bottom:4px}.ok-t{color:var(--ok)}.bad-t{color:var(--bad)}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:6px 0}dl.kv dt{color:var(--muted)}
dl.kv dd{margin:0}
table{border-collapse:collapse;font-size:13px}th,td{border-bottom:1px solid var(--line);padding:4px 8px;
  text-align:left;vertical-align:top}th{background:var(--bg);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
table.sortable th{cursor:pointer;user-select:none}table.sortable th:after{content:" \\2195";color:#aab}
.step{display:grid;grid-template-columns:272px 1fr;gap:16px;border:1px solid var(--line);border-radius:8px;
  padding:12px;margin:12px 0}
.step.noframe{grid-template-columns:1fr}.step.failed{border-left:6px solid var(--bad)}.step.okstep{border-left:6px solid var(--ok)}
.step .frames{display:flex;flex-direction:column;gap:4px}.step figure{margin:0}
figcaption{font-size:12px;color:var(--muted)}
img.zoom{cursor:zoom-in;image-rendering:auto;border:1px solid var(--line);border-radius:4px;background:#000}
img.frame{width:256px;height:auto;display:block}img.strip{width:384px;height:auto;display:block}img.wide{max-width:100%;height:auto}
.chosen td{background:#eef4ff;font-weight:600}
.bar{display:flex;align-items:center;gap:6px;min-width:170px}
.bar b{flex:1;position:relative;height:13px;background:#eef0f3;border-radius:3px;display:block}
.bar b i{position:absolute;left:0;top:0;bottom:0;border-radius:3px;display:block}
.bar em{width:40px;text-align:right;font-style:normal;font-size:12px;font-variant-numeric:tabular-nums}
.bar.llm i{background:var(--llm)}.bar.aff i{background:var(--aff)}.bar.comb i{background:var(--comb)}
table.cands{width:100%;table-layout:fixed}table.cands th:first-child{width:34%}
.legend span{display:inline-block;width:11px;height:11px;border-radius:2px;margin:0 4px 0 12px;vertical-align:-1px}
.tag{white-space:nowrap;display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;background:#eef0f3;margin-right:4px}
.tag.ok{background:#dafbe1;color:var(--ok)}.tag.bad{background:#ffebe9;color:var(--bad)}
.scene{white-space:pre-wrap;font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px;
  background:var(--bg);border-radius:4px;padding:6px 8px;margin:6px 0}
.stack{display:flex;height:22px;border-radius:4px;overflow:hidden;min-width:300px;background:#eef0f3}
.stack span{display:block;height:100%}
#overlay{display:none;position:fixed;inset:0;background:rgba(0,0,0,.82);z-index:9;cursor:zoom-out;
  align-items:center;justify-content:center}
#overlay img{max-width:94vw;max-height:94vh;image-rendering:pixelated;background:#000}
input.filter{padding:4px 8px;width:320px;margin:6px 0;border:1px solid var(--line);border-radius:4px}
a{color:#0969da}td:first-child a{white-space:nowrap}
"""

SCRIPT = """
(function(){
  var ov=document.getElementById('overlay');
  document.addEventListener('click',function(e){
    var t=e.target;
    if(t.tagName==='IMG'&&t.classList.contains('zoom')){ov.firstChild.src=t.src;ov.style.display='flex';return;}
    if(t===ov||t.parentNode===ov){ov.style.display='none';return;}
    if(t.tagName==='TH'&&t.closest('table.sortable')){sortBy(t);}
  });
  document.addEventListener('keydown',function(e){if(e.key==='Escape')ov.style.display='none';});
  function key(td){var v=td.getAttribute('data-sort');if(v===null)v=td.textContent;
    var n=parseFloat(v);return isNaN(n)||!/^\\s*-?[0-9.]/.test(v)?v.toLowerCase():n;}
  function sortBy(th){
    var table=th.closest('table'),body=table.tBodies[0],i=Array.prototype.indexOf.call(th.parentNode.children,th);
    var asc=th.getAttribute('data-dir')!=='asc';th.setAttribute('data-dir',asc?'asc':'desc');
    var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);
      if(typeof x!==typeof y){x=String(x);y=String(y);}return (x<y?-1:x>y?1:0)*(asc?1:-1);});
    rows.forEach(function(r){body.appendChild(r);});
  }
  document.querySelectorAll('input.filter').forEach(function(inp){
    inp.addEventListener('input',function(){
      var q=inp.value.toLowerCase(),body=document.getElementById(inp.getAttribute('data-table')).tBodies[0];
      Array.prototype.forEach.call(body.rows,function(r){
        r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});
    });
  });
})();
"""


def esc(x) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def page(title: str, body: str) -> str:
    """A whole HTML document: ``body`` is trusted markup (escape text before putting it in)."""
    return (f"<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"<meta name='viewport' content='width=device-width,initial-scale=1'><title>{esc(title)}</title>"
            f"<style>{CSS}</style></head><body><main>\n{body}\n</main>"
            f"<div id='overlay'><img alt='enlarged frame'></div><script>{SCRIPT}</script></body></html>\n")


def image_bytes(image, fmt: str = "JPEG", quality: int = 88) -> tuple[bytes, str]:
    """An HxWx3 array or PIL image as (encoded bytes, MIME type)."""
    from PIL import Image

    img = image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image, dtype=np.uint8))
    if fmt.upper() == "JPEG" and img.mode != "RGB":
        img = img.convert("RGB")
    buf = io.BytesIO()
    img.save(buf, format=fmt, **({"quality": quality} if fmt.upper() == "JPEG" else {}))
    return buf.getvalue(), f"image/{fmt.lower()}"


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def file_uri(path: Path) -> str | None:
    """A data URI for an image file (PNG files are re-encoded as JPEG when that is much smaller)."""
    path = Path(path)
    if not path.is_file():
        return None
    raw = path.read_bytes()
    mime = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}.get(
        path.suffix.lower(), "application/octet-stream")
    if mime == "image/png" and len(raw) > 30_000:
        from PIL import Image

        jpeg, jmime = image_bytes(Image.open(io.BytesIO(raw)).convert("RGB"))
        if len(jpeg) < len(raw) * 0.7:
            raw, mime = jpeg, jmime
    return data_uri(raw, mime)


def img(uri: str, alt: str, cls: str = "frame") -> str:
    """An inline image the reader can click to enlarge."""
    return f"<img class='zoom {cls}' alt='{esc(alt)}' title='click to enlarge' src='{uri}'>"


def bar(value, kind: str, scale: float = 1.0, digits: int = 3) -> str:
    """A horizontal bar for a score in [0, scale] with its number; '-' when there is no value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "<span class='muted'>&ndash;</span>"
    width = 100.0 * min(max(float(value) / scale, 0.0), 1.0) if scale > 0 else 0.0
    return (f"<div class='bar {kind}' data-value='{float(value):.6g}'><b><i style='width:{width:.1f}%'></i></b>"
            f"<em>{float(value):.{digits}f}</em></div>")


def tag(text: str, kind: str = "") -> str:
    return f"<span class='tag {kind}'>{esc(text)}</span>"


def yes_no(value, yes: str = "yes", no: str = "no", unknown: str = "n/a") -> str:
    if value is None:
        return tag(unknown)
    return tag(yes, "ok") if value else tag(no, "bad")


def kv(pairs: Iterable[tuple[str, str]]) -> str:
    """A definition list of (label, trusted markup) pairs; empty values are left out."""
    items = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in pairs if v not in (None, ""))
    return f"<dl class='kv'>{items}</dl>" if items else ""


def table(headers: Sequence[str], rows: Iterable[Sequence], table_id: str | None = None, sortable: bool = False,
          numeric: Sequence[int] = ()) -> str:
    """A table of trusted cell markup; a cell may be ``(markup, sort_key)`` to sort on a value, not the text."""
    cls = " class='sortable'" if sortable else ""
    ident = f" id='{esc(table_id)}'" if table_id else ""
    head = "".join(f"<th{' class=num' if i in numeric else ''}>{esc(h)}</th>" for i, h in enumerate(headers))
    out = [f"<table{ident}{cls}><thead><tr>{head}</tr></thead><tbody>"]
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            attrs = " class='num'" if i in numeric else ""
            if isinstance(cell, tuple):
                cell, sort_key = cell
                attrs += f" data-sort='{esc(sort_key)}'"
            cells.append(f"<td{attrs}>{cell}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)
