"""The chain's modules, in layer order: a module imports only modules listed before it, and this one order is
also the order of genesis steps, block hooks and invariants (see docs/chain.md, "Adding a module").

Adding a module = a folder `modules/<name>/` ending in `module.py` (`MODULE = Module(...)`) + one line here.
"""

from gostaking.chain.module import Module
from gostaking.chain.modules.bank.module import MODULE as BANK
from gostaking.chain.modules.book.module import MODULE as BOOK
from gostaking.chain.modules.compliance.module import MODULE as COMPLIANCE
from gostaking.chain.modules.custody.module import MODULE as CUSTODY
from gostaking.chain.modules.dex.module import MODULE as DEX
from gostaking.chain.modules.emission.module import MODULE as EMISSION
from gostaking.chain.modules.gov.module import MODULE as GOV
from gostaking.chain.modules.liquid.module import MODULE as LIQUID
from gostaking.chain.modules.lock.module import MODULE as LOCK
from gostaking.chain.modules.mining.module import MODULE as MINING
from gostaking.chain.modules.nodes.module import MODULE as NODES
from gostaking.chain.modules.oracle.module import MODULE as ORACLE
from gostaking.chain.modules.staking.module import MODULE as STAKING

MODULES: tuple[Module, ...] = (
    COMPLIANCE,
    BANK,
    EMISSION,
    MINING,
    NODES,
    LOCK,
    DEX,
    BOOK,
    STAKING,
    ORACLE,
    CUSTODY,
    LIQUID,
    GOV,
)
