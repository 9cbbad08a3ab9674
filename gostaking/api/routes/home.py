"""GET /: a small live status page (the full explorer is a separate package)."""

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(tags=["pages"])

STATUS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>GoStaking node</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body{font:15px system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d2430}
 h1{font-size:1.4rem} .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:.8rem}
 .card{border:1px solid #d7dce4;border-radius:.5rem;padding:.7rem 1rem} .card b{display:block;font-size:1.3rem}
 .card span{color:#5a6472;font-size:.85rem} table{width:100%;border-collapse:collapse;margin-top:1.2rem}
 td,th{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #e6e9ee;font-variant-numeric:tabular-nums}
 code{font-size:.85rem} #err{color:#b00020}
</style></head><body>
<h1>GoStaking <span id="chain"></span></h1>
<div class="grid">
 <div class="card"><span>height</span><b id="height">…</b></div>
 <div class="card"><span>total hash power (H/s)</span><b id="power">…</b></div>
 <div class="card"><span>GOS supply</span><b id="supply">…</b></div>
 <div class="card"><span>emission progress</span><b id="progress">…</b></div>
 <div class="card"><span>block reward (GOS)</span><b id="reward">…</b></div>
 <div class="card"><span>mining nodes</span><b id="mining">…</b></div>
</div>
<p id="err"></p>
<table><thead><tr><th>height</th><th>time</th><th>txs</th><th>hash</th></tr></thead><tbody id="blocks"></tbody></table>
<p><a href="/docs">API documentation</a></p>
<script>
const $ = id => document.getElementById(id);
async function refresh() {
  try {
    const s = await (await fetch('/status')).json();
    $('chain').textContent = s.chain_id; $('height').textContent = s.height;
    $('power').textContent = s.total_hash_power.hs; $('supply').textContent = s.supply.gos;
    $('progress').textContent = s.emission.progress; $('reward').textContent = s.emission.current_block_reward.gos;
    $('mining').textContent = s.mining_set_size;
    const b = await (await fetch('/blocks?limit=10')).json();
    $('blocks').replaceChildren(...b.blocks.map(x => {
      const tr = document.createElement('tr');
      for (const v of [x.height, x.time, x.num_txs, x.hash.slice(0, 16) + '…']) {
        const td = document.createElement('td'); td.textContent = v; tr.appendChild(td);
      }
      return tr;
    }));
    $('err').textContent = '';
  } catch (e) { $('err').textContent = 'node unreachable: ' + e; }
}
refresh(); setInterval(refresh, 2000);
</script></body></html>
"""


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def status_page() -> str:
    """Live status: height, hash power, supply and the last blocks, refreshed every 2 s from /status."""
    return STATUS_PAGE
