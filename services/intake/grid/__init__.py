"""The boundary with the 321 grid system (网格化治理): the only code that knows its words.

Reports come in signed and become ordinary submissions (channel ``grid``); every
change of the issues they became goes back out, signed, in order per issue, to the grid
system's webhook and to a feed it may poll. Routing, the event contract and the other
services never learn the grid system's vocabulary. docs/integrations.md is the contract.
"""
