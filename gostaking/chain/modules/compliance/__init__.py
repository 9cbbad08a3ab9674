"""The compliance module: KYC levels attested by providers, and account freezes by the compliance council."""
