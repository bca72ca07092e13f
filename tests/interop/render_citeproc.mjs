// citeproc-js (the engine inside Zotero and Mendeley) rendering every item of a CSL-JSON file.
// Usage: node render_citeproc.mjs ITEMS.json STYLE.csl LOCALE.xml [text|html]
// Prints {bibliography: {id: entry}, citations: {id: citation}, empty: [ids], errors: [...]} as JSON;
// `empty` lists the items the style leaves out of its bibliography (citeproc-js error code 1).
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
const CSL = require('citeproc')

const [itemsPath, stylePath, localePath, format = 'text'] = process.argv.slice(2)
const items = JSON.parse(readFileSync(itemsPath, 'utf-8'))
const byId = Object.fromEntries(items.map(i => [i.id, i]))
const errors = []
const sys = {
  retrieveLocale: () => readFileSync(localePath, 'utf-8'),
  retrieveItem: id => byId[id],
}
const engine = new CSL.Engine(sys, readFileSync(stylePath, 'utf-8'))
engine.opt.development_extensions.wrap_url_and_doi = false
engine.setOutputFormat(format)
const citations = {}
const bibliography = {}
const empty = []
// Each item alone, as chilecite renders it: no year suffixes or ibid. from its neighbours, and
// an item the style leaves out of a bibliography shows as an empty entry, not a shifted one.
for (const item of items) {
  try {
    engine.updateItems([item.id])
    citations[item.id] = engine.makeCitationCluster([{ id: item.id }])
    const [meta, entries] = engine.makeBibliography()
    bibliography[item.id] = entries.length ? entries[0].trim() : ''
    for (const e of meta.bibliography_errors || []) {
      if (e.error_code === CSL.ERROR_NO_RENDERED_FORM) empty.push(item.id)
      else errors.push(`${item.id}: ${JSON.stringify(e)}`)
    }
  } catch (e) { errors.push(`${item.id}: ${e.message}`) }
}
process.stdout.write(JSON.stringify({ bibliography, citations, empty, errors }, null, 2))
