"""The HTML pages' own stylesheet, inlined into each page (the CSP forbids loading one).

Light and dark by the reader's preference. Marked sentences keep their colours in print, and
errors (solid) and warnings (dashed) differ in their underline as well as in colour.
"""

CSS = """
:root{--ink:#1d1f23;--muted:#5b6170;--line:#d9dce3;--paper:#fff;--soft:#f5f6f8;--accent:#0b5cad;
--err:#b3261e;--err-bg:#fde3e1;--warn:#8a5a00;--warn-bg:#fff1c9;color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{--ink:#e6e8ec;--muted:#a3a9b6;--line:#3a3f4a;--paper:#16181d;
--soft:#1f232a;--accent:#7cb4ff;--err:#ff8a80;--err-bg:#4a1f1c;--warn:#ffd36b;--warn-bg:#3f3414}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--paper);color:var(--ink);font:16px/1.55 system-ui,-apple-system,"Segoe UI",
Roboto,"Noto Sans","Liberation Sans",sans-serif;overflow-wrap:anywhere}
.page{max-width:76rem;margin:0 auto;padding:1.5rem 1.25rem 3rem}
a{color:var(--accent)}
.eyebrow{margin:0;color:var(--muted);font-size:.8rem;letter-spacing:.08em;text-transform:uppercase}
h1{font-size:1.9rem;line-height:1.2;margin:.3rem 0 1rem}
h2{font-size:1.15rem;margin:2rem 0 .6rem;padding-bottom:.3rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:1rem 0 .3rem}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0;font-size:.9rem}
.meta dt{color:var(--muted)}
.meta dd{margin:0}
.lede{font-size:1.15rem;font-weight:500}
.tier p,.tier ul{margin:.2rem 0 .8rem}
.tier .flagnote{margin:.15rem 0}
.tier li{margin:.2rem 0}
.counts{border-collapse:collapse;font-size:.9rem;margin:.4rem 0 1rem}
.counts th,.counts td{border-bottom:1px solid var(--line);padding:.2rem .8rem .2rem 0;text-align:left}
.counts td.n{text-align:right;font-variant-numeric:tabular-nums}
.counts a{color:inherit}
.findings{list-style:none;padding:0;margin:0;font-size:.92rem}
.findings li{border-left:4px solid var(--line);background:var(--soft);padding:.45rem .7rem;margin:.4rem 0}
.findings li.error{border-left-color:var(--err)}
.findings li.warning{border-left-color:var(--warn)}
.findings li:target{outline:2px solid var(--accent)}
.no{color:var(--muted);font-variant-numeric:tabular-nums;margin-right:.3rem}
.sev{font-weight:600;text-transform:uppercase;font-size:.75rem;letter-spacing:.04em}
.error .sev,.sev.error{color:var(--err)}
.warning .sev,.sev.warning{color:var(--warn)}
.kind{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85rem}
.times{color:var(--muted)}
.where{display:block;color:var(--muted);font-size:.85rem}
.excerpt{margin:.3rem 0 0;color:var(--muted);font-size:.85rem}
.excerpt p{margin:.2rem 0}
.clean{color:#1e7b34}
.skip{font-size:.9rem;margin:.2rem 0 .8rem}
details.group{margin:.8rem 0}
details.group>summary{cursor:pointer;font-weight:600}
details.group>summary .times{font-weight:400}
.note{color:var(--muted);font-size:.9rem}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:0 1.5rem;border-top:1px solid var(--line);padding:.6rem 0;
break-inside:avoid}
.pair.one{grid-template-columns:1fr}
.pair:target{background:var(--soft)}
.pair.cols{border-top:0;padding-bottom:0;color:var(--muted);font-size:.8rem;text-transform:uppercase;
letter-spacing:.06em}
.src{color:var(--muted)}
.heading{font-weight:700}
.dateline{font-style:italic}
.num{color:var(--muted);font-size:.75rem;font-variant-numeric:tabular-nums;margin-right:.3rem}
mark.flag{color:inherit;border-radius:2px;padding:0;-webkit-print-color-adjust:exact;print-color-adjust:exact}
mark.flag{-webkit-box-decoration-break:clone;box-decoration-break:clone}
mark.flag.error{background:var(--err-bg);border-bottom:2px solid var(--err)}
mark.flag.warning{background:var(--warn-bg);border-bottom:2px dashed var(--warn)}
.s:target,mark:target{outline:2px solid var(--accent)}
sup.fn{font-size:.7rem;line-height:0}
sup.fn a{text-decoration:none;font-weight:600}
.flagnote{margin:.2rem 0 .6rem;font-size:.88rem;color:var(--muted)}
div#tier-headline{margin-top:.8rem}
.kept{font-size:.8rem;color:var(--muted)}
.runs{width:100%;border-collapse:collapse;font-size:.92rem}
.runs th,.runs td{text-align:left;padding:.45rem .6rem .45rem 0;border-bottom:1px solid var(--line);vertical-align:top}
.runs td.n{text-align:right;font-variant-numeric:tabular-nums}
.runs tr.failed{background:var(--err-bg)}
.runs .unit{display:none}
footer{margin-top:3rem;color:var(--muted);font-size:.8rem}
@media (max-width:40rem){
.page{padding:1rem .85rem 2rem}
h1{font-size:1.5rem}
.meta{font-size:.85rem;gap:.1rem .7rem}
.pair{grid-template-columns:1fr}
.pair .src{margin-bottom:.4rem;padding-left:.6rem;border-left:2px solid var(--line)}
.pair.cols{display:none}
.runs thead{display:none}
.runs tr{display:block;border-bottom:1px solid var(--line);padding:.4rem .3rem}
.runs td{display:inline-block;border:0;padding:.1rem .6rem .1rem 0}
.runs td.title{display:block}
.runs td.no,.runs td:empty{display:none}
.runs .unit{display:inline}
}
@media print{
.skip,.excerpt{display:none}
details.group>summary{list-style:none}
:root{--ink:#000;--muted:#444;--line:#bbb;--paper:#fff;--soft:#fff;--accent:#000}
body{font-size:10.5pt}
.page{max-width:none;padding:0}
h2{break-after:avoid}
a{text-decoration:none}
.findings li{break-inside:avoid;border:1px solid var(--line);border-left-width:4px}
.meta a[href]::after{content:" <" attr(href) ">"}
}
"""
