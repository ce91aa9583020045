"""Chinese brokers' desktop clients through an easytrader server (easytrader)."""

from collections.abc import Mapping

from core.ports.broker_kind import BrokerKind

ACCOUNT_PREFIX = "ET-"


def account_id(settings: Mapping[str, object]) -> str:
    """ET-<broker login user>, or ET-default before a user is entered."""
    return f"{ACCOUNT_PREFIX}{settings.get('user') or 'default'}"


def secret_scope(account_id: str, settings: Mapping[str, object]) -> tuple[str, ...]:
    """The passwords belong to the broker login (user), whichever account id uses it."""
    return ("easytrader", str(settings.get("user", "")))


KIND = BrokerKind(
    name="easytrader",
    display_name="China A-shares (easytrader)",
    adapter="core.adapters.easytrader.adapter:create",
    config="core.adapters.easytrader.config:EasytraderConfig",
    secret_fields=("password", "comm_password"),
    secret_scope=secret_scope,
    sdk_modules=("easytrader",),
    sdk_distribution="easytrader",
    # easytrader pulls pandas, lxml and (on Windows) pywinauto.
    in_default_bundle=False,
    bundle_excludes=("easytrader", "easyutils", "pandas", "lxml", "pywinauto", "comtypes", "win32com", "pythoncom"),
    account_id_rule=account_id,
)
