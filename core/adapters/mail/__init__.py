"""The e-mail desk: orders mailed to a person who executes them by hand and reports the fills (aiosmtplib)."""

from core.ports.broker_kind import BrokerKind

KIND = BrokerKind(
    name="email_desk",
    display_name="E-mail desk",
    adapter="core.adapters.mail.desk:create",
    config="core.adapters.mail.config:DeskConfig",
    sdk_modules=("aiosmtplib",),
    sdk_distribution="aiosmtplib",
)
