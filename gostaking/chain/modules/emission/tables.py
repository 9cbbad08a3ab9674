"""Tables of the emission module."""

from gostaking.chain.tables import SingletonSpec
from gostaking.chain.types.emission import EmissionState

EMISSION = SingletonSpec("emission", EmissionState, EmissionState, doc="Burns carried out so far.")
