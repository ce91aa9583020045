; Inno Setup 6 script for TradeTerm on Windows (not built here: there is no Windows machine in CI).
;
; 1. On Windows, in the repository:   py -3.11 -m venv .venv && .venv\Scripts\pip install -e ".[test]"
;                                      .venv\Scripts\python -m PyInstaller --noconfirm installer\tradeterm.spec
;    (or: bash installer/build.sh from Git Bash). This makes dist\tradeterm\tradeterm.exe.
; 2. Check the bundle:                 dist\tradeterm\tradeterm.exe --self-check
; 3. Build the installer:              iscc /DAppVersion=0.1.0 installer\windows\tradeterm.iss
;    -> dist\TradeTerm-0.1.0-setup.exe
;
; The installer installs per user by default (no admin rights; %LOCALAPPDATA%\Programs\TradeTerm) and
; never touches the user's data folder (%LOCALAPPDATA%\TradeTerm: journal and settings) or the Windows
; Credential Locker, on install or uninstall: orders and secrets survive an upgrade.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define Root "..\.."

[Setup]
AppId={{6B1F3C7E-2C8D-4E0B-9B4D-5A0E7F3C1D21}
AppName=TradeTerm
AppVersion={#AppVersion}
AppPublisher=TradeTerm
AppComments=A desktop trading terminal
DefaultDirName={autopf}\TradeTerm
DefaultGroupName=TradeTerm
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\dist
OutputBaseFilename=TradeTerm-{#AppVersion}-setup
SetupIconFile={#Root}\resources\icons\tradeterm.ico
UninstallDisplayIcon={app}\tradeterm.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; A running TradeTerm holds its journal open: ask to close it rather than replace files under it.
CloseApplications=yes
RestartApplications=no

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Root}\dist\tradeterm\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; Files of a previous version (a removed library must not linger beside the new ones).
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\TradeTerm"; Filename: "{app}\tradeterm.exe"
Name: "{autodesktop}\TradeTerm"; Filename: "{app}\tradeterm.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\tradeterm.exe"; Description: "{cm:LaunchProgram,TradeTerm}"; Flags: nowait postinstall skipifsilent
